#pragma once
// Anthropic Messages API wire format (POST {base}/messages, anthropic-version 2023-06-01).
//
// The conversation is mapped to the API's rules: system messages become the top-level
// `system` text; `messages` holds only user and assistant turns, consecutive turns of one role
// merged into one, and the first is the user's. A history that opens with the agent's greeting
// (the usual case: parley speaks first) cannot start `messages` with it, so what the agent said
// before the caller's first words is told in `system` instead ("You opened the call by
// saying: …"). No turn is invented for the caller, and nothing the caller said is lost.
//
// With tools offered, an assistant message's tool calls become tool_use blocks after its text,
// and tool results tool_result blocks, first in the next user message (merged with what the
// caller said meanwhile). A message that is all text keeps the plain string form. Calls whose
// result does not follow before the next assistant message, calls in the opening, and all of
// them when no tools are offered are told as text ("[called tool NAME with ARGS]",
// "[result of NAME: …]"), so the request stays valid.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/chat.hpp"
#include "protocol/result.hpp"

namespace parley::anthropic {

// The anthropic-version header parley speaks.
inline constexpr std::string_view api_version = "2023-06-01";
// The API requires max_tokens; this is sent when llm.max-tokens is 0 ("server default").
inline constexpr int default_max_tokens = 1024;

struct request_options {
  std::string model;
  int max_tokens = 0;         // 0: default_max_tokens
  double temperature = -1.0;  // < 0: leave to the server
  bool stream = true;
  std::vector<tool_definition> tools;  // offered to the model; `parameters` is the input_schema
};

std::string build_messages_request(const chat_history& history, const request_options& options);

// One server-sent event of a streamed reply: `event` is its SSE event name (used when the
// payload has no "type"), `data` its JSON payload. Text comes from text blocks; a tool_use
// block's start gives a tool_call_delta with its id and name (index: the block's index), its
// input_json_delta pieces the arguments. Other blocks, ping, message_start/delta and unknown
// events give nothing. message_stop ends the reply; an `error` event is a failure with the
// API's message.
result<reply_delta> parse_stream_event(std::string_view event, std::string_view data);

// The text of a non-streamed reply (its text blocks, joined).
result<std::string> parse_message(std::string_view body);

// "type: message" of an Anthropic error body ({"type":"error","error":{"type":…,"message":…}}),
// if there is one.
std::optional<std::string> parse_error_message(std::string_view body);

}  // namespace parley::anthropic
