#pragma once
// The admin server's routes (docs/operations.md#admin-api): GET /healthz (liveness), GET /readyz
// (readiness: 200 while parley can take calls, else 503 with the reason), GET /metrics
// (Prometheus text), the admin API under /v1 (live calls, their conversations, outbound calls,
// hangups, the live event stream) and the dashboard at /. Runs on the io thread.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "net/http_server.hpp"

namespace parley {

struct metrics;
struct readiness;
class call_journal;
class admin_events;
class admin_auth;

namespace net {
class voipbin_scheduler;
}

// What the routes use; everything outlives the admin server.
struct admin_services {
  const metrics* stats = nullptr;
  const readiness* ready = nullptr;
  call_journal* journal = nullptr;
  admin_events* events = nullptr;
  const admin_auth* auth = nullptr;
  net::voipbin_scheduler* voipbin = nullptr;  // POST /calls for outbound calls
  // Calls just placed: the agent answers them with `profile` once they are answered.
  std::function<void(std::vector<std::string> call_ids, std::string profile)> expect_outbound;
  // Hang a live call up (the agent's supervisor asks VoIPBIN).
  std::function<void(std::string call_id)> hang_up;
  std::vector<std::string> profiles;     // configured profile names besides "default"
  int64_t keep_up_ms = 4 * 3600 * 1000;  // parley's own flow for outbound calls: a sleep this long
};

// Every route, "METHOD /path" with {id} for a call id; docs/operations.md lists the same.
const std::vector<std::string_view>& admin_route_names();

net::request_handler admin_routes(admin_services services);

}  // namespace parley
