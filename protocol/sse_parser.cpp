#include "protocol/sse_parser.hpp"

namespace parley {

std::vector<sse_event> sse_parser::feed(std::string_view bytes) {
  std::vector<sse_event> out;
  if (failed_) return out;
  for (char c : bytes) {
    if (skip_lf_) {
      skip_lf_ = false;
      if (c == '\n') continue;
    }
    if (c == '\r' || c == '\n') {
      skip_lf_ = (c == '\r');
      line(partial_, out);
      partial_.clear();
      continue;
    }
    partial_ += c;
    if (partial_.size() > max_line_) {
      failed_ = true;
      partial_.clear();
      return out;
    }
  }
  return out;
}

void sse_parser::line(std::string_view text, std::vector<sse_event>& out) {
  if (text.empty()) {  // blank line dispatches
    if (has_data_) {
      if (current_.event.empty()) current_.event = "message";
      out.push_back(std::move(current_));
    }
    current_ = sse_event{};
    has_data_ = false;
    return;
  }
  if (text.front() == ':') return;  // comment / keep-alive
  auto colon = text.find(':');
  std::string_view field = text.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = text.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    if (has_data_) current_.data += '\n';
    current_.data += value;
    has_data_ = true;
  } else if (field == "event") {
    current_.event = std::string(value);
  } else if (field == "id") {
    current_.id = std::string(value);
  }
  // "retry" and unknown fields are ignored, as the standard says.
}

}  // namespace parley
