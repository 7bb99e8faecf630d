#include "protocol/openai_codec.hpp"

#include <nlohmann/json.hpp>

#include "protocol/json_fields.hpp"
#include "protocol/tool_history.hpp"

namespace parley::openai {

using nlohmann::json;

namespace {

// A JSON Schema as the API takes it: an object; an empty one when the text is not one.
json schema_of(const std::string& text) {
  auto j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return {{"type", "object"}, {"properties", json::object()}};
  return j;
}

}  // namespace

std::string build_chat_request(const chat_history& history, const request_options& o) {
  auto plan = tool_history::make_plan(history, !o.tools.empty(), false, false);
  json messages = json::array();
  for (std::size_t i = 0; i < history.size(); ++i) {
    const auto& m = history[i];
    if (m.role == "tool") {
      if (plan.result_sent[i])
        messages.push_back({{"role", "tool"}, {"tool_call_id", m.tool_call_id}, {"content", m.content}});
      else
        messages.push_back(
            {{"role", "user"}, {"content", tool_history::result_text(m, plan.result_name[i])}});
      continue;
    }
    if (m.role != "assistant" || m.tool_calls.empty()) {
      messages.push_back({{"role", m.role}, {"content", model_content(m)}});
      continue;
    }
    const auto& sent = plan.call_sent[i];
    auto text = tool_history::assistant_text(m, sent);
    json calls = json::array();
    for (std::size_t k = 0; k < m.tool_calls.size(); ++k) {
      if (!sent[k]) continue;
      const auto& c = m.tool_calls[k];
      calls.push_back({{"id", c.id},
                       {"type", "function"},
                       {"function", {{"name", c.name}, {"arguments", tool_history::arguments_of(c)}}}});
    }
    if (calls.empty()) {
      messages.push_back({{"role", "assistant"}, {"content", std::move(text)}});
      continue;
    }
    json message{{"role", "assistant"}, {"content", nullptr}, {"tool_calls", std::move(calls)}};
    if (!text.empty()) message["content"] = std::move(text);
    messages.push_back(std::move(message));
  }
  json body{{"model", o.model}, {"messages", std::move(messages)}, {"stream", o.stream}};
  if (!o.tools.empty()) {
    json tools = json::array();
    for (const auto& t : o.tools)
      tools.push_back(
          {{"type", "function"},
           {"function",
            {{"name", t.name}, {"description", t.description}, {"parameters", schema_of(t.parameters)}}}});
    body["tools"] = std::move(tools);
  }
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
      if (auto calls = d->find("tool_calls"); calls != d->end() && calls->is_array())
        for (const auto& c : *calls) {
          if (!c.is_object()) continue;
          tool_call_delta piece;
          if (auto i = c.find("index"); i != c.end() && i->is_number_unsigned())
            piece.index = i->get<std::size_t>();
          piece.id = string_at(c, "id");
          if (auto f = c.find("function"); f != c.end() && f->is_object()) {
            piece.name = string_at(*f, "name");
            piece.arguments = string_at(*f, "arguments");
          }
          out.tool_calls.push_back(std::move(piece));
        }
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
