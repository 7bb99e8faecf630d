#pragma once
// This process as one node of a cluster (cluster.mode=redis, docs/scaling.md): it claims the
// calls it serves in Redis, renews its node lease, and adopts the calls of nodes whose lease
// ended. Every instance receives every event; the claim decides who answers. Runs on the io
// thread; claim() and release() may be called from any thread.

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "actors/runtime.hpp"
#include "net/redis_client.hpp"

namespace boost::asio {
class io_context;
}

namespace parley {

struct metrics;
struct readiness;

struct cluster_options {
  net::redis_options redis;
  std::string customer_id;  // keys are per customer: one Redis may serve several
  std::string node_id;
  std::chrono::milliseconds lease{10000};
  bool serve_alone = false;  // cluster.redis-down=serve-alone: claim calls while Redis is down
};

class cluster_node final : public call_registry {
 public:
  // Called on the io thread: `adopt(call id)`: a dead node's call is this node's now;
  // `lost(call id)`: another node claimed a call served here; `members(n)`: n nodes live
  // now, this one included (VoIPBIN's rate limit is theirs to share).
  struct events {
    std::function<void(const std::string&)> adopt;
    std::function<void(const std::string&)> lost;
    std::function<void(int)> members;
  };
  cluster_node(boost::asio::io_context& io, cluster_options options, metrics& stats, readiness& ready,
               events on);
  ~cluster_node() override;

  // Connects and starts renewing the lease.
  void start();
  // Ends the lease at once, so the other nodes adopt at once what is left (the calls a drain
  // handed over), waiting up to `wait` for Redis to confirm. Call from a thread other than the
  // io thread, while the io thread runs, once the gateway is gone.
  void stop(std::chrono::milliseconds wait = std::chrono::seconds(2));

  // Webhook mode behind a load balancer: each instance receives some of the events. `share`
  // publishes one it received to the others, who get it through `on_event` (set before
  // start(); their own come back to nobody).
  void forward_events(std::function<void(std::string frame)> on_event);
  void share(std::string frame);

  void claim(const std::string& call_id, std::function<void(bool ours)> done) override;
  void release(const std::string& call_id) override;
  void checkpoint(const std::string& call_id, std::string json) override;
  void load_checkpoint(const std::string& call_id, std::function<void(std::string json)> done) override;

 private:
  struct state;
  std::shared_ptr<state> st_;
};

}  // namespace parley
