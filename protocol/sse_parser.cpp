#include "protocol/sse_parser.hpp"

namespace parley {

std::vector<sse_event> sse_parser::feed(std::string_view bytes) {
  std::vector<sse_event> out;
  std::size_t i = 0;
  while (!failed_ && i < bytes.size()) {
    if (skip_lf_) {  // the '\n' of a "\r\n" split across feeds
      skip_lf_ = false;
      if (bytes[i] == '\n') {
        ++i;
        continue;
      }
    }
    auto eol = bytes.find_first_of("\r\n", i);
    auto piece = bytes.substr(i, eol == std::string_view::npos ? std::string_view::npos : eol - i);
    if (partial_.size() + piece.size() > max_line_) {
      failed_ = true;
      partial_.clear();
      break;
    }
    if (eol == std::string_view::npos) {
      partial_.append(piece);
      break;
    }
    skip_lf_ = bytes[eol] == '\r';
    if (partial_.empty()) {
      line(piece, out);
    } else {
      partial_.append(piece);
      line(partial_, out);
      partial_.clear();
    }
    i = eol + 1;
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
