#pragma once
// Whether parley can serve new calls (GET /readyz): its event sources are up, in cluster mode
// Redis answers, it is below agent.max-calls and it is not draining. Written by the gateway and the io
// thread, read by the admin server: atomics only, like the metrics.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

namespace parley {

struct readiness {
  // Set once at start-up, before any thread runs: which event sources must be up.
  bool websocket_required = false;
  bool webhook_required = false;
  std::size_t max_calls = 0;      // 0: no limit
  bool cluster_required = false;  // cluster.mode=redis

  std::atomic<bool> websocket_subscribed{false};  // connected and the subscribe sent
  std::atomic<bool> webhook_listening{false};
  std::atomic<int> websocket_refused{0};  // HTTP status of the last refused upgrade, 0 if none
  std::atomic<bool> draining{false};
  std::atomic<bool> cluster_up{false};  // Redis answers

  struct verdict {
    bool ready = false;
    std::string reason;  // why not, empty when ready
  };
  verdict check(int64_t active_calls) const;
};

// The /readyz body: {"ready":true} or {"ready":false,"reason":"..."}.
std::string to_json(const readiness::verdict& v);

}  // namespace parley
