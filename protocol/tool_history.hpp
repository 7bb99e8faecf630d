#pragma once
// What the provider codecs share about tool calls in a history: which calls and results can be
// sent to the model as such, and how the others are told as text.
//
// A call can be sent as a call only when tools are offered and its result follows it where the
// API wants it (OpenAI: among the tool messages right after it; Anthropic: before the next
// assistant message, as the next user message holds them all); that result is then sent as a
// result. Everything else (the tools were removed, a result is missing or stray, the agent called
// a tool before the caller spoke) is told as text, so the request stays valid.

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "protocol/chat.hpp"

namespace parley::tool_history {

struct plan {
  std::vector<std::vector<bool>> call_sent;  // [message][call]: sent as a call
  std::vector<bool> result_sent;             // [message]: a tool message sent as a result
  std::vector<std::string> result_name;      // [message]: the tool a tool message answers, if known
};

// `until_next_assistant`: results may come anywhere before the next assistant message (Anthropic)
// rather than only right after the call (OpenAI). `no_calls_before_user`: calls before the first
// user (or tool) message are never sent (Anthropic, whose messages start with the user's).
inline plan make_plan(const chat_history& h, bool tools_offered, bool until_next_assistant,
                      bool no_calls_before_user) {
  plan p;
  p.call_sent.resize(h.size());
  p.result_sent.assign(h.size(), false);
  p.result_name.resize(h.size());
  std::map<std::string, std::string> names;
  for (const auto& m : h)
    for (const auto& c : m.tool_calls) names.emplace(c.id, c.name);
  bool seen_user = false;
  for (std::size_t i = 0; i < h.size(); ++i) {
    const auto& m = h[i];
    if (m.role == "tool") {
      seen_user = true;
      if (auto it = names.find(m.tool_call_id); it != names.end()) p.result_name[i] = it->second;
      continue;
    }
    if (m.role == "user" && !model_content(m).empty()) seen_user = true;
    if (m.role != "assistant" || m.tool_calls.empty()) continue;
    p.call_sent[i].assign(m.tool_calls.size(), false);
    if (!tools_offered || (no_calls_before_user && !seen_user)) continue;
    for (std::size_t j = i + 1; j < h.size(); ++j) {
      const auto& r = h[j];
      if (r.role == "assistant") break;
      if (r.role != "tool") {
        if (until_next_assistant) continue;
        break;
      }
      for (std::size_t k = 0; k < m.tool_calls.size(); ++k)
        if (!p.call_sent[i][k] && !m.tool_calls[k].id.empty() && m.tool_calls[k].id == r.tool_call_id) {
          p.call_sent[i][k] = true;
          p.result_sent[j] = true;
          break;
        }
    }
  }
  return p;
}

// The arguments of a call as JSON text: "{}" when the model wrote none.
inline std::string arguments_of(const tool_call& c) {
  return c.arguments.empty() ? std::string("{}") : c.arguments;
}

// An assistant message told as text: what it said, then the calls not sent as calls.
inline std::string assistant_text(const chat_message& m, const std::vector<bool>& sent) {
  std::string text = model_content(m);
  for (std::size_t k = 0; k < m.tool_calls.size(); ++k) {
    if (k < sent.size() && sent[k]) continue;
    if (!text.empty()) text += " ";
    text += "[called tool " + m.tool_calls[k].name + " with " + arguments_of(m.tool_calls[k]) + "]";
  }
  return text;
}

// A tool's result told as text (a user message).
inline std::string result_text(const chat_message& m, const std::string& name) {
  std::string tool = name.empty() ? std::string("a tool") : name;
  return m.tool_error ? "[" + tool + " failed: " + m.content + "]"
                      : "[result of " + tool + ": " + m.content + "]";
}

}  // namespace parley::tool_history
