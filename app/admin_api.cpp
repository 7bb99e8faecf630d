#include "app/admin_api.hpp"

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "net/voipbin_scheduler.hpp"
#include "protocol/call_journal.hpp"
#include "protocol/outbound_call.hpp"

namespace parley::admin_api {

using nlohmann::json;

net::http_response json_reply(int status, const std::string& body) {
  return {status, {{"Content-Type", "application/json"}, {"Cache-Control", "no-store"}}, body};
}

net::http_response error_reply(int status, std::string_view code, std::string_view message) {
  return json_reply(status, json{{"error", {{"code", code}, {"message", message}}}}.dump());
}

net::http_response list_calls(const admin_services& s) {
  return json_reply(200, json{{"calls", s.journal->live_calls()}}.dump());
}

net::http_response get_call(const admin_services& s, const std::string& call_id) {
  auto call = s.journal->find(call_id);
  if (!call) return error_reply(404, "not_found", "no live or recent call " + call_id);
  return json_reply(200, call->dump());
}

namespace {

// VoIPBIN's own error, for the operator: {"error":{"status","reason","message"}} (voipbin-api.md §2).
std::string voipbin_reason(const net::http_response& r) {
  auto j = json::parse(r.body, nullptr, false);
  std::string out = "HTTP " + std::to_string(r.status);
  if (j.is_object() && j.contains("error") && j["error"].is_object()) {
    const auto& e = j["error"];
    if (e.contains("reason") && e["reason"].is_string()) out += " " + e["reason"].get<std::string>();
    if (e.contains("message") && e["message"].is_string()) out += ": " + e["message"].get<std::string>();
  }
  return out;
}

}  // namespace

void place_calls(const admin_services& s, const net::server_request& req,
                 std::shared_ptr<net::server_reply> reply) {
  auto request = outbound::parse_call_request(req.body, s.profiles);
  if (!request) return reply->respond(error_reply(400, "invalid_request", request.error().message));
  auto profile = request->profile;
  s.voipbin->submit(
      outbound::place_calls(*request, s.keep_up_ms),
      [reply, profile, expect = s.expect_outbound](net::http_outcome out, bool) {
        if (!out.ok())
          return reply->respond(
              error_reply(502, "voipbin_unreachable",
                          "VoIPBIN did not answer POST /calls: " + std::string(net::to_string(out.error))));
        if (out.response.status != 200 && out.response.status != 201) {
          auto why = voipbin_reason(out.response);
          spdlog::warn("outbound call refused by VoIPBIN: {}", why);
          return reply->respond(error_reply(502, "voipbin_refused", "VoIPBIN refused POST /calls: " + why));
        }
        auto placed = outbound::parse_placed_calls(out.response.body);
        if (!placed) return reply->respond(error_reply(502, "voipbin_malformed", placed.error().message));
        if (!placed->calls.empty()) expect(placed->calls, profile);
        spdlog::info("outbound: {} calls and {} group calls placed, profile {}", placed->calls.size(),
                     placed->groupcalls.size(), profile);
        reply->respond(json_reply(
            201,
            json{{"calls", placed->calls}, {"groupcalls", placed->groupcalls}, {"profile", profile}}.dump()));
      });
}

net::http_response hang_up(const admin_services& s, const std::string& call_id) {
  if (!s.journal->live(call_id))
    return error_reply(404, "not_found", "no live call " + call_id + " on this node");
  s.hang_up(call_id);
  return json_reply(202, json{{"call_id", call_id}, {"status", "hanging up"}}.dump());
}

}  // namespace parley::admin_api
