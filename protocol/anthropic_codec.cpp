#include "protocol/anthropic_codec.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "protocol/json_fields.hpp"
#include "protocol/tool_history.hpp"

namespace parley::anthropic {

using nlohmann::json;

namespace {

void append(std::string& to, const std::string& text) {
  if (!to.empty()) to += "\n\n";
  to += text;
}

// "type: message" of an error object, or its JSON when it has neither.
std::string describe_error(const json& err) {
  if (!err.is_object()) return err.dump();
  auto type = string_at(err, "type"), message = string_at(err, "message");
  if (type.empty() && message.empty()) return err.dump();
  if (type.empty()) return message;
  if (message.empty()) return type;
  return type + ": " + message;
}

// The content block an event is about (its "index"); 0 when it has none.
std::size_t block_index(const json& event) {
  auto i = event.find("index");
  return i != event.end() && i->is_number_unsigned() ? i->get<std::size_t>() : 0;
}

}  // namespace

std::string build_messages_request(const chat_history& history, const request_options& o) {
  auto plan = tool_history::make_plan(history, !o.tools.empty(), true, true);
  std::string system, opening;  // opening: what the agent said before the caller spoke
  struct message {
    std::string role;
    json blocks = json::array();
  };
  std::vector<message> messages;
  auto add = [&messages](const std::string& role, json block) {
    if (messages.empty() || messages.back().role != role) messages.push_back({role});
    messages.back().blocks.push_back(std::move(block));
  };
  auto text_block = [](std::string text) { return json{{"type", "text"}, {"text", std::move(text)}}; };
  for (std::size_t i = 0; i < history.size(); ++i) {
    const auto& m = history[i];
    if (m.role == "system") {
      append(system, m.content);
      continue;
    }
    if (m.role == "tool") {
      if (!plan.result_sent[i]) {
        add("user", text_block(tool_history::result_text(m, plan.result_name[i])));
        continue;
      }
      json result{{"type", "tool_result"}, {"tool_use_id", m.tool_call_id}, {"content", m.content}};
      if (m.tool_error) result["is_error"] = true;
      add("user", std::move(result));
      continue;
    }
    if (m.role != "user" && m.role != "assistant") continue;
    if (m.role == "user") {
      auto content = model_content(m);
      if (!content.empty()) add("user", text_block(std::move(content)));  // the API refuses empty text
      continue;
    }
    const auto& sent = plan.call_sent[i];
    auto content = tool_history::assistant_text(m, sent);
    if (messages.empty()) {  // never a call sent: see make_plan
      if (!content.empty()) opening += (opening.empty() ? "" : " ") + content;
      continue;
    }
    if (!content.empty()) add("assistant", text_block(std::move(content)));
    for (std::size_t k = 0; k < m.tool_calls.size(); ++k) {
      if (!sent[k]) continue;
      const auto& c = m.tool_calls[k];
      auto input = json::parse(c.arguments, nullptr, false);
      if (input.is_discarded() || !input.is_object()) input = json::object();
      add("assistant", {{"type", "tool_use"}, {"id", c.id}, {"name", c.name}, {"input", std::move(input)}});
    }
  }
  json wire = json::array();
  for (auto& m : messages) {
    bool all_text = true;
    std::string text;
    for (const auto& b : m.blocks) {
      if (b["type"] != "text") {
        all_text = false;
        break;
      }
      text += (text.empty() ? "" : "\n\n") + b["text"].get<std::string>();
    }
    if (all_text) {
      wire.push_back({{"role", m.role}, {"content", std::move(text)}});
      continue;
    }
    // The API wants a user message's tool results before anything else in it.
    std::stable_partition(m.blocks.begin(), m.blocks.end(),
                          [](const json& b) { return b["type"] == "tool_result"; });
    wire.push_back({{"role", m.role}, {"content", std::move(m.blocks)}});
  }
  if (!opening.empty()) append(system, "You opened the call by saying: \"" + opening + "\"");
  json body{{"model", o.model},
            {"max_tokens", o.max_tokens > 0 ? o.max_tokens : default_max_tokens},
            {"messages", std::move(wire)},
            {"stream", o.stream}};
  if (!system.empty()) body["system"] = system;
  if (o.temperature >= 0) body["temperature"] = o.temperature;
  if (!o.tools.empty()) {
    json tools = json::array();
    for (const auto& t : o.tools) {
      auto schema = json::parse(t.parameters, nullptr, false);
      if (schema.is_discarded() || !schema.is_object())
        schema = {{"type", "object"}, {"properties", json::object()}};
      tools.push_back(
          {{"name", t.name}, {"description", t.description}, {"input_schema", std::move(schema)}});
    }
    body["tools"] = std::move(tools);
  }
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
    if (string_at(*d, "type") == "text_delta") {
      auto t = d->find("text");
      if (t == d->end() || !t->is_string()) return fail("text_delta has no text");
      out.text = t->get<std::string>();
    } else if (string_at(*d, "type") == "input_json_delta") {
      auto p = d->find("partial_json");
      if (p == d->end() || !p->is_string()) return fail("input_json_delta has no partial_json");
      out.tool_calls.push_back({block_index(j), {}, {}, p->get<std::string>()});
    }
    // Other deltas carry nothing to say.
  } else if (type == "content_block_start") {
    auto b = j.find("content_block");
    if (b == j.end() || !b->is_object()) return fail("content_block_start has no content_block");
    if (string_at(*b, "type") == "text")
      if (auto t = b->find("text"); t != b->end() && t->is_string()) out.text = t->get<std::string>();
    if (string_at(*b, "type") == "tool_use") {
      tool_call_delta call{block_index(j), string_at(*b, "id"), string_at(*b, "name"), {}};
      if (auto in = b->find("input"); in != b->end() && in->is_object() && !in->empty())
        call.arguments = in->dump(-1, ' ', false, json::error_handler_t::replace);
      out.tool_calls.push_back(std::move(call));
    }
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
    if (string_at(block, "type") != "text") continue;
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
