#pragma once
// The conversation as a brain sees it: plain C++ values, independent of any model's wire
// format. Part of the extension API (PARLEY_PLUGIN_API_VERSION).

#include <string>
#include <utility>
#include <vector>

namespace parley {

// One call of a tool by the model.
struct tool_call {
  std::string id;  // the provider's id for it; its result names it
  std::string name;
  std::string arguments;  // the JSON object the model wrote, as text (may be malformed); "" means {}
};

// A tool the model is offered.
struct tool_definition {
  std::string name;
  std::string description;
  std::string parameters;  // JSON Schema of the arguments (an object), as JSON text
};

struct chat_message {
  chat_message() = default;
  chat_message(std::string role_, std::string content_, bool interrupted_ = false)
      : role(std::move(role_)), content(std::move(content_)), interrupted(interrupted_) {}

  std::string role;  // system, user, assistant, tool
  std::string content;
  bool interrupted = false;           // assistant text cut short by the caller: only what was heard
  std::vector<tool_call> tool_calls;  // assistant: the tools it called after saying `content`
  std::string tool_call_id;           // tool: the call whose result `content` is
  bool tool_error = false;            // tool: `content` says why the tool failed
};

// The system prompt first, then every turn of the call in order.
using chat_history = std::vector<chat_message>;

}  // namespace parley
