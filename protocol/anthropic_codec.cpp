#include "protocol/anthropic_codec.hpp"

#include <nlohmann/json.hpp>

namespace parley::anthropic {

using nlohmann::json;

namespace {

void append(std::string& to, const std::string& text) {
  if (!to.empty()) to += "\n\n";
  to += text;
}

// The string at `key` of an object; empty when absent or not a string (json::value throws).
std::string text_of(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

// "type: message" of an error object, or its JSON when it has neither.
std::string describe_error(const json& err) {
  if (!err.is_object()) return err.dump();
  auto type = text_of(err, "type"), message = text_of(err, "message");
  if (type.empty() && message.empty()) return err.dump();
  if (type.empty()) return message;
  if (message.empty()) return type;
  return type + ": " + message;
}

}  // namespace

std::string build_messages_request(const chat_history& history, const request_options& o) {
  std::string system, opening;  // opening: what the agent said before the caller spoke
  json messages = json::array();
  for (const auto& m : history) {
    if (m.role == "system") {
      append(system, m.content);
      continue;
    }
    if (m.role != "user" && m.role != "assistant") continue;
    auto content = model_content(m);
    if (content.empty()) continue;  // the API refuses empty text
    if (messages.empty() && m.role == "assistant") {
      opening += (opening.empty() ? "" : " ") + content;
      continue;
    }
    if (!messages.empty() && messages.back()["role"] == m.role) {
      messages.back()["content"] = messages.back()["content"].get<std::string>() + "\n\n" + content;
      continue;
    }
    messages.push_back({{"role", m.role}, {"content", std::move(content)}});
  }
  if (!opening.empty()) append(system, "You opened the call by saying: \"" + opening + "\"");
  json body{{"model", o.model},
            {"max_tokens", o.max_tokens > 0 ? o.max_tokens : default_max_tokens},
            {"messages", std::move(messages)},
            {"stream", o.stream}};
  if (!system.empty()) body["system"] = system;
  if (o.temperature >= 0) body["temperature"] = o.temperature;
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

result<reply_delta> parse_stream_event(std::string_view event, std::string_view data) {
  auto j = json::parse(data, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail("stream event is not a JSON object");
  std::string type(event);
  if (auto t = j.find("type"); t != j.end() && t->is_string()) type = t->get<std::string>();
  reply_delta out;
  if (type == "content_block_delta") {
    auto d = j.find("delta");
    if (d == j.end() || !d->is_object()) return fail("content_block_delta has no delta");
    if (text_of(*d, "type") == "text_delta") {
      auto t = d->find("text");
      if (t == d->end() || !t->is_string()) return fail("text_delta has no text");
      out.text = t->get<std::string>();
    }
    // input_json_delta (tool use) and other deltas carry nothing to say.
  } else if (type == "content_block_start") {
    auto b = j.find("content_block");
    if (b == j.end() || !b->is_object()) return fail("content_block_start has no content_block");
    if (text_of(*b, "type") == "text")
      if (auto t = b->find("text"); t != b->end() && t->is_string()) out.text = t->get<std::string>();
  } else if (type == "message_stop") {
    out.done = true;
  } else if (type == "error") {
    auto err = j.find("error");
    return fail("LLM error in stream: " + (err == j.end() ? j.dump() : describe_error(*err)));
  }
  // message_start, content_block_stop, message_delta, ping and event types added later: nothing.
  return out;
}

result<std::string> parse_message(std::string_view body) {
  auto j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail("message is not a JSON object");
  auto content = j.find("content");
  if (content == j.end() || !content->is_array()) return fail("message has no content");
  std::string text;
  for (const auto& block : *content) {
    if (!block.is_object()) return fail("content block is not an object");
    if (text_of(block, "type") != "text") continue;
    if (auto t = block.find("text"); t != block.end() && t->is_string()) text += t->get<std::string>();
  }
  return text;
}

std::optional<std::string> parse_error_message(std::string_view body) {
  auto j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  auto err = j.find("error");
  if (err == j.end() || !err->is_object()) return std::nullopt;
  return describe_error(*err);
}

}  // namespace parley::anthropic
