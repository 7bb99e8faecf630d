#pragma once
// OpenAI chat-completions wire format (also spoken by most OpenAI-compatible servers).

#include <optional>
#include <string>
#include <string_view>

#include "protocol/chat.hpp"
#include "protocol/result.hpp"

namespace parley::openai {

struct request_options {
  std::string model;
  int max_tokens = 0;         // 0: leave to the server
  double temperature = -1.0;  // < 0: leave to the server
  bool stream = true;
};

// Appended to an assistant message the caller cut short: it holds only what they heard.
inline constexpr std::string_view interrupted_marker = "[interrupted by the caller]";

std::string build_chat_request(const chat_history& history, const request_options& options);

// One `data:` payload of a streamed reply.
struct stream_delta {
  std::string text;   // may be empty (role-only or finish chunks)
  bool done = false;  // "[DONE]" or a finish_reason
};

result<stream_delta> parse_stream_data(std::string_view data);

// The assistant text of a non-streamed reply.
result<std::string> parse_completion(std::string_view body);

// The message of an OpenAI error body ({"error":{"message":…}}), if there is one.
std::optional<std::string> parse_error_message(std::string_view body);

}  // namespace parley::openai
