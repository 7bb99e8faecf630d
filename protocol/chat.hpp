#pragma once
// Conversation history, independent of any LLM wire format.

#include <string>
#include <vector>

namespace parley {

struct chat_message {
  std::string role;  // system, user, assistant
  std::string content;
  bool interrupted = false;  // assistant text cut short by the caller
};

using chat_history = std::vector<chat_message>;

}  // namespace parley
