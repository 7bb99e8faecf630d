#include "protocol/outbound_call.hpp"

#include <algorithm>
#include <array>

#include "protocol/voipbin_resources.hpp"

namespace parley::outbound {

namespace {

using nlohmann::json;

// The address types VoIPBIN knows (voipbin-api.md §5, Address).
constexpr std::array<std::string_view, 12> address_types = {"agent", "ai",        "ai_team",     "conference",
                                                            "email", "extension", "line",        "sip",
                                                            "tel",   "webchat",   "web_session", "whatsapp"};

constexpr std::size_t max_destinations = 100;

// Empty when `a` is a usable Address, else what is wrong with it.
std::string address_problem(const json& a, const std::string& field) {
  if (!a.is_object()) return field + ": must be an object {\"type\": ..., \"target\": ...}";
  for (const auto& [key, value] : a.items()) {
    static constexpr std::array<std::string_view, 5> keys = {"type", "target", "target_name", "name",
                                                             "detail"};
    if (std::find(keys.begin(), keys.end(), key) == keys.end())
      return field + ": unknown field '" + key + "' (an Address has type, target, target_name, name, detail)";
    if (!value.is_string()) return field + "." + key + ": must be a string";
  }
  if (!a.contains("type") || a["type"].get<std::string>().empty()) return field + ".type: required";
  auto type = a["type"].get<std::string>();
  if (std::find(address_types.begin(), address_types.end(), type) == address_types.end())
    return field + ".type: '" + type + "' is not a VoIPBIN address type (tel, sip, agent, extension, ...)";
  if (!a.contains("target") || a["target"].get<std::string>().empty()) return field + ".target: required";
  return {};
}

}  // namespace

result<call_request> parse_call_request(std::string_view body, const std::vector<std::string>& profiles) {
  auto j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail("the body must be a JSON object");
  for (const auto& [key, _] : j.items())
    if (key != "source" && key != "destinations" && key != "profile" && key != "flow_id")
      return fail("unknown field '" + key + "' (fields: source, destinations, profile, flow_id)");
  call_request out;
  if (!j.contains("source"))
    return fail("source: required, an Address such as {\"type\":\"tel\",\"target\":\"+15550100\"}");
  if (auto p = address_problem(j["source"], "source"); !p.empty()) return fail(p);
  out.source = j["source"];
  if (!j.contains("destinations") || !j["destinations"].is_array() || j["destinations"].empty())
    return fail("destinations: required, a non-empty array of Addresses");
  if (j["destinations"].size() > max_destinations)
    return fail("destinations: at most " + std::to_string(max_destinations) + " in one request");
  for (std::size_t i = 0; i < j["destinations"].size(); ++i) {
    const auto& d = j["destinations"][i];
    if (auto p = address_problem(d, "destinations[" + std::to_string(i) + "]"); !p.empty()) return fail(p);
    out.destinations.push_back(d);
  }
  if (j.contains("profile")) {
    if (!j["profile"].is_string()) return fail("profile: must be a string");
    out.profile = j["profile"].get<std::string>();
    if (out.profile != "default" &&
        std::find(profiles.begin(), profiles.end(), out.profile) == profiles.end()) {
      std::string known = "default";
      for (const auto& p : profiles) known += ", " + p;
      return fail("profile: no profile '" + out.profile + "' (configured: " + known + ")");
    }
  }
  if (j.contains("flow_id")) {
    if (!j["flow_id"].is_string() || !voipbin::is_uuid(j["flow_id"].get<std::string>()))
      return fail("flow_id: must be a flow's UUID");
    out.flow_id = j["flow_id"].get<std::string>();
  }
  return out;
}

voipbin::rest_request place_calls(const call_request& request, int64_t keep_up_ms) {
  json body = {{"source", request.source}, {"destinations", request.destinations}};
  if (!request.flow_id.empty())
    body["flow_id"] = request.flow_id;
  else
    body["actions"] = json::array({{{"type", "sleep"}, {"option", {{"duration", keep_up_ms}}}}});
  return {"POST", "/calls", body.dump()};
}

result<placed_calls> parse_placed_calls(std::string_view body) {
  auto j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail("VoIPBIN's answer is not a JSON object");
  placed_calls out;
  auto ids = [&](const char* key, std::vector<std::string>& to) -> bool {
    if (!j.contains(key) || j[key].is_null()) return true;
    if (!j[key].is_array()) return false;
    for (const auto& item : j[key]) {
      if (!item.is_object() || !item.contains("id") || !item["id"].is_string()) return false;
      to.push_back(item["id"].get<std::string>());
    }
    return true;
  };
  if (!ids("calls", out.calls) || !ids("groupcalls", out.groupcalls))
    return fail("VoIPBIN's answer has malformed calls or groupcalls");
  return out;
}

}  // namespace parley::outbound
