#pragma once
// Conversation history, independent of any LLM wire format.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace parley {

struct chat_message {
  std::string role;  // system, user, assistant
  std::string content;
  bool interrupted = false;  // assistant text cut short by the caller
};

using chat_history = std::vector<chat_message>;

// Appended to an assistant message the caller cut short: it holds only what they heard.
inline constexpr std::string_view interrupted_marker = "[interrupted by the caller]";

// The text a model is shown for `m`: it must know where the caller cut it off, and that the
// rest was never heard. Every provider's codec uses this.
inline std::string model_content(const chat_message& m) {
  return m.interrupted ? m.content + " " + std::string(interrupted_marker) : m.content;
}

// What one piece of a streamed reply says, whatever the provider.
struct reply_delta {
  std::string text;   // may be empty (role-only, metadata or keep-alive pieces)
  bool done = false;  // the reply is complete
};
// What a model is shown of `history`: every system message, and of the others at most the last
// `max_messages`, dropped whole from the front. Once anything was dropped, the kept part never
// starts with an assistant message (its user message is gone), so it may hold one fewer.
chat_history recent_history(const chat_history& history, std::size_t max_messages);

}  // namespace parley
