#pragma once
// Conversation history, independent of any LLM wire format.

#include <cstddef>
#include <string>
#include <vector>

namespace parley {

struct chat_message {
  std::string role;  // system, user, assistant
  std::string content;
  bool interrupted = false;  // assistant text cut short by the caller
};

using chat_history = std::vector<chat_message>;

// What a model is shown of `history`: every system message, and of the others at most the last
// `max_messages`, dropped whole from the front. Once anything was dropped, the kept part never
// starts with an assistant message (its user message is gone), so it may hold one fewer.
chat_history recent_history(const chat_history& history, std::size_t max_messages);

}  // namespace parley
