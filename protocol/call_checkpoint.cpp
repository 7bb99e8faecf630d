#include "protocol/call_checkpoint.hpp"

#include <nlohmann/json.hpp>

namespace parley {

using nlohmann::json;

std::string to_json(const call_checkpoint& c) {
  json history = json::array();
  for (const auto& m : c.history) {
    if (m.role == "system") continue;
    json calls = json::array();
    for (const auto& t : m.tool_calls)
      calls.push_back({{"id", t.id}, {"name", t.name}, {"arguments", t.arguments}});
    history.push_back({{"role", m.role},
                       {"content", m.content},
                       {"interrupted", m.interrupted},
                       {"tool_calls", std::move(calls)},
                       {"tool_call_id", m.tool_call_id},
                       {"tool_error", m.tool_error}});
  }
  return json{{"version", 1}, {"history", std::move(history)}, {"finals", c.finals}}.dump();
}

result<call_checkpoint> parse_call_checkpoint(std::string_view text) {
  auto j = json::parse(text, nullptr, false);
  if (!j.is_object() || j.value("version", 0) != 1 || !j.contains("history") || !j["history"].is_array())
    return fail("not a call checkpoint");
  try {
    call_checkpoint c;
    for (const auto& m : j["history"]) {
      chat_message msg;
      msg.role = m.at("role").get<std::string>();
      msg.content = m.at("content").get<std::string>();
      msg.interrupted = m.value("interrupted", false);
      for (const auto& t : m.value("tool_calls", json::array()))
        msg.tool_calls.push_back({t.at("id").get<std::string>(), t.at("name").get<std::string>(),
                                  t.at("arguments").get<std::string>()});
      msg.tool_call_id = m.value("tool_call_id", "");
      msg.tool_error = m.value("tool_error", false);
      c.history.push_back(std::move(msg));
    }
    c.finals = j.value("finals", std::vector<std::string>{});
    return c;
  } catch (const json::exception& e) {
    return fail(std::string("malformed call checkpoint: ") + e.what());
  }
}

}  // namespace parley
