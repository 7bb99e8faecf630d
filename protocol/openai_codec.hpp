#pragma once
// OpenAI chat-completions wire format (also spoken by most OpenAI-compatible servers).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/chat.hpp"
#include "protocol/result.hpp"

namespace parley::openai {

struct request_options {
  std::string model;
  int max_tokens = 0;         // 0: leave to the server
  double temperature = -1.0;  // < 0: leave to the server
  bool stream = true;
  // Offered to the model as functions. Without them, tool calls and results in the history are
  // told as text ("[called tool NAME with ARGS]", a user message "[result of NAME: …]").
  std::vector<tool_definition> tools;
};

// The request body. An assistant message's tool calls go as `tool_calls` and a tool's result as
// a "tool" message when tools are offered and the result follows the call's message among the
// tool messages right after it; otherwise both are told as text, so the request stays valid.
std::string build_chat_request(const chat_history& history, const request_options& options);

// One `data:` payload of a streamed reply: done on "[DONE]" or a finish_reason (any, including
// "tool_calls"); `delta.tool_calls[]` pieces become tool_call_deltas.
using stream_delta = reply_delta;

result<stream_delta> parse_stream_data(std::string_view data);

// The assistant text of a non-streamed reply.
result<std::string> parse_completion(std::string_view body);

// The message of an OpenAI error body ({"error":{"message":…}}), if there is one.
std::optional<std::string> parse_error_message(std::string_view body);

}  // namespace parley::openai
