#include "protocol/openai_codec.hpp"

#include <nlohmann/json.hpp>

namespace parley::openai {

using nlohmann::json;

std::string build_chat_request(const chat_history& history, const request_options& o) {
  json messages = json::array();
  for (const auto& m : history) messages.push_back({{"role", m.role}, {"content", model_content(m)}});
  json body{{"model", o.model}, {"messages", std::move(messages)}, {"stream", o.stream}};
  if (o.max_tokens > 0) body["max_tokens"] = o.max_tokens;
  if (o.temperature >= 0) body["temperature"] = o.temperature;
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

result<stream_delta> parse_stream_data(std::string_view data) {
  if (data == "[DONE]") {
    stream_delta end;
    end.done = true;
    return end;
  }
  auto j = json::parse(data, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail("stream chunk is not a JSON object");
  if (auto err = j.find("error"); err != j.end()) {
    auto msg = err->is_object() && err->contains("message") && (*err)["message"].is_string()
                   ? (*err)["message"].get<std::string>()
                   : err->dump();
    return fail("LLM error in stream: " + msg);
  }
  auto choices = j.find("choices");
  if (choices == j.end() || !choices->is_array()) return fail("stream chunk has no choices");
  stream_delta out;
  for (const auto& c : *choices) {
    if (!c.is_object()) return fail("stream choice is not an object");
    if (auto d = c.find("delta"); d != c.end() && d->is_object()) {
      if (auto t = d->find("content"); t != d->end() && t->is_string()) out.text += t->get<std::string>();
    }
    if (auto f = c.find("finish_reason"); f != c.end() && f->is_string()) out.done = true;
  }
  return out;
}

result<std::string> parse_completion(std::string_view body) {
  auto j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail("completion is not a JSON object");
  auto choices = j.find("choices");
  if (choices == j.end() || !choices->is_array() || choices->empty())
    return fail("completion has no choices");
  const auto& first = (*choices)[0];
  if (!first.is_object() || !first.contains("message") || !first["message"].is_object())
    return fail("completion choice has no message");
  const auto& msg = first["message"];
  if (!msg.contains("content") || !msg["content"].is_string()) return std::string{};
  return msg["content"].get<std::string>();
}

std::optional<std::string> parse_error_message(std::string_view body) {
  auto j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  auto err = j.find("error");
  if (err == j.end() || !err->is_object()) return std::nullopt;
  auto msg = err->find("message");
  if (msg == err->end() || !msg->is_string()) return std::nullopt;
  return msg->get<std::string>();
}

}  // namespace parley::openai
