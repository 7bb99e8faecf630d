#include "protocol/readiness.hpp"

#include <nlohmann/json.hpp>

namespace parley {

readiness::verdict readiness::check(int64_t active_calls) const {
  if (draining.load()) return {false, "draining"};
  if (websocket_required && !websocket_subscribed.load()) {
    std::string why = "VoIPBIN WebSocket not connected";
    if (auto status = websocket_refused.load(); status == 401)
      why += " (upgrade refused with HTTP 401: check voipbin.accesskey)";
    else if (status != 0)
      why += " (upgrade refused with HTTP " + std::to_string(status) + ")";
    return {false, why};
  }
  if (webhook_required && !webhook_listening.load()) return {false, "webhook receiver not listening"};
  if (cluster_required && !cluster_up.load()) return {false, "Redis unreachable (cluster.redis-url)"};
  if (max_calls > 0 && active_calls >= static_cast<int64_t>(max_calls))
    return {false, "agent.max-calls (" + std::to_string(max_calls) + ") reached"};
  return {true, {}};
}

std::string to_json(const readiness::verdict& v) {
  nlohmann::json j{{"ready", v.ready}};
  if (!v.ready) j["reason"] = v.reason;
  return j.dump();
}

}  // namespace parley
