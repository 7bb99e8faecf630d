#include "protocol/chat.hpp"

namespace parley {

chat_history recent_history(const chat_history& history, std::size_t max_messages) {
  std::size_t others = 0;
  for (const auto& m : history) others += m.role != "system";
  if (others <= max_messages) return history;
  std::size_t skip = others - max_messages;  // the oldest non-system messages left out
  chat_history out;
  bool front = true;  // nothing but system messages kept so far
  for (const auto& m : history) {
    if (m.role == "system") {
      out.push_back(m);
      continue;
    }
    if (skip > 0) {
      --skip;
      continue;
    }
    // It answered a message that was dropped, or is the result of a call that was.
    if (front && (m.role == "assistant" || m.role == "tool")) continue;
    front = false;
    out.push_back(m);
  }
  return out;
}

}  // namespace parley
