#pragma once
// Conversation history, independent of any LLM wire format.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "parley/chat.hpp"

namespace parley {

// Appended to an assistant message the caller cut short: it holds only what they heard.
inline constexpr std::string_view interrupted_marker = "[interrupted by the caller]";

// The text a model is shown for `m`: it must know where the caller cut it off, and that the
// rest was never heard. Every provider's codec uses this.
inline std::string model_content(const chat_message& m) {
  return m.interrupted ? m.content + " " + std::string(interrupted_marker) : m.content;
}

// A piece of a tool call in a streamed reply. Pieces of one call share its index; its id and
// name come with its first piece, its arguments in pieces to be appended in order.
struct tool_call_delta {
  std::size_t index = 0;
  std::string id;
  std::string name;
  std::string arguments;
};

// What one piece of a streamed reply says, whatever the provider.
struct reply_delta {
  std::string text;  // may be empty (role-only, metadata or keep-alive pieces)
  std::vector<tool_call_delta> tool_calls;
  bool done = false;  // the reply is complete
};
// What a model is shown of `history`: every system message, and of the others at most the last
// `max_messages`, dropped whole from the front. Once anything was dropped, the kept part never
// starts with an assistant or tool message (its user message or tool call is gone), so it may
// hold fewer; a tool call is never kept without the results that follow it.
chat_history recent_history(const chat_history& history, std::size_t max_messages);

}  // namespace parley
