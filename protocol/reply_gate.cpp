#include "protocol/reply_gate.hpp"

namespace parley {
namespace {

constexpr std::size_t max_held = 2048;

bool is_boundary(char c) {
  switch (c) {
    case '.':
    case '!':
    case '?':
    case ',':
    case ';':
    case ':':
    case '-':
    case '\n':
      return true;
    default:
      // A non-ASCII byte may be part of a dash, an ellipsis or a CJK full stop.
      return static_cast<unsigned char>(c) >= 0x80;
  }
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

}  // namespace

bool reply_gate::feed(std::string_view bytes) {
  held_ += bytes.size();
  bool now = held_ > max_held;
  for (const auto& ev : sse_.feed(bytes)) {
    if (ev.data.empty()) continue;
    auto delta = parse_(ev);
    if (!delta || delta->done) {
      now = true;
      continue;
    }
    bool token = !delta->text.empty() || !delta->tool_calls.empty();
    if (token && !seen_token_) now = true;
    seen_token_ = seen_token_ || token;
    for (char c : delta->text) {
      if (is_boundary(c)) {
        deciding_ = true;
        now = true;
      } else if (deciding_ && !is_space(c)) {
        deciding_ = false;  // the next word has started: the splitter can decide
        now = true;
      }
    }
  }
  if (sse_.failed()) now = true;
  if (now) held_ = 0;
  return now;
}

}  // namespace parley
