#include "protocol/reply_gate.hpp"

#include <utility>

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
  if (over_) return false;
  held_bytes_ += bytes.size();
  bool now = held_bytes_ > max_held;
  for (auto& ev : sse_.feed(bytes)) {
    if (ev.data.empty()) continue;
    auto delta = parse_(ev);
    if (!delta) {
      held_.error = delta.error().message;
      over_ = true;
      return true;
    }
    if (delta->done) {
      hold(std::move(*delta));
      over_ = true;
      return true;
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
    if (token) hold(std::move(*delta));  // role-only and keep-alive pieces say nothing
  }
  if (sse_.failed()) {
    held_.error = "malformed event stream";
    over_ = true;
    return true;
  }
  return now;
}

void reply_gate::hold(reply_delta delta) {
  auto& held = held_.deltas;
  bool text_only = delta.tool_calls.empty() && !delta.done;
  if (text_only && !held.empty() && held.back().tool_calls.empty() && !held.back().done) {
    held.back().text += delta.text;  // the splitter reads text the same whole or in pieces
    return;
  }
  held.push_back(std::move(delta));
}

reply_pieces reply_gate::take() {
  held_bytes_ = 0;
  return std::exchange(held_, {});
}

}  // namespace parley
