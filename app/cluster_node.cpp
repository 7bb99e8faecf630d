#include "app/cluster_node.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <future>
#include <unordered_set>

#include "protocol/cluster_commands.hpp"
#include "protocol/metrics.hpp"
#include "protocol/readiness.hpp"

namespace parley {

namespace {

using clock_type = std::chrono::steady_clock;

// Calls taken from one dead node per renewal: the survivors share them out.
constexpr int adopt_batch = 64;
// How long a node waits before claiming a new call, per call it serves, and at most: a few
// milliseconds more to answer, and the calls spread over the nodes.
constexpr std::chrono::microseconds claim_wait_per_call{1000};
constexpr std::chrono::milliseconds max_claim_wait{50};
// A checkpoint outlives its call's last turn by this much at most.
constexpr std::chrono::seconds checkpoint_ttl{6 * 3600};

}  // namespace

// Everything below runs on the io thread.
struct cluster_node::state : std::enable_shared_from_this<cluster_node::state> {
  state(boost::asio::io_context& io, cluster_options o, metrics& m, readiness& r, cluster_node::events e)
      : io(io), opts(std::move(o)), keys(opts.customer_id), stats(m), ready(r), on(std::move(e)), timer(io) {}

  boost::asio::io_context& io;
  cluster_options opts;
  cluster::keyspace keys;
  metrics& stats;
  readiness& ready;
  cluster_node::events on;
  std::function<void(std::string)> on_event;  // events other nodes received (webhook mode)
  int live = 0;                               // nodes, as last renewed
  std::unique_ptr<net::redis_client> redis;
  boost::asio::steady_timer timer;
  bool up = false;
  clock_type::time_point up_since;
  bool stopped = false;
  bool started = false;                  // reached Redis once
  std::unordered_set<std::string> held;  // calls this node serves

  // A third of the lease, at most a second: a dead node's calls are adopted within
  // cluster.lease plus about a second.
  std::chrono::milliseconds period() const {
    return std::min<std::chrono::milliseconds>(opts.lease / 3, std::chrono::seconds(1));
  }

  void schedule(std::chrono::milliseconds after) {
    timer.expires_after(after);
    timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec && !self->stopped) self->renew();
    });
  }

  void renew() {
    schedule(period());
    if (!up) return;
    redis->command(cluster::heartbeat(keys, opts.node_id, opts.lease),
                   [self = shared_from_this()](net::redis_outcome out) { self->on_renewed(std::move(out)); });
  }

  void on_renewed(net::redis_outcome out) {
    if (stopped) return;
    if (!out.success() || !out.reply.is_array() || out.reply.elements.size() != 2) {
      spdlog::warn("cluster: renewing the lease failed: {}", out.failure_text());
      return;
    }
    const auto& r = out.reply.elements;
    stats.cluster_nodes.set(r[0].integer);
    if (auto n = static_cast<int>(r[0].integer); n != live) {
      spdlog::info("cluster: {} nodes live; this one uses 1/{} of voipbin.rate-limit", n, n);
      live = n;
      on.members(n);
    }
    // Right after (re)connecting, every node's lease may look ended: give them all one lease
    // to renew theirs before taking anything.
    if (clock_type::now() - up_since < opts.lease) return;
    if (ready.draining) return;  // a draining node takes no call, not even a dead node's
    for (const auto& dead : r[1].elements)
      if (dead.is_string() && dead.str != opts.node_id) take_calls_of(dead.str);
  }

  void take_calls_of(const std::string& dead) {
    redis->command(cluster::adopt(keys, dead, opts.node_id, adopt_batch), [self = shared_from_this(),
                                                                           dead](net::redis_outcome out) {
      if (self->stopped) return;
      if (!out.success() || !out.reply.is_array()) {
        spdlog::warn("cluster: adopting the calls of node {} failed: {}", dead, out.failure_text());
        return;
      }
      if (!out.reply.elements.empty())
        spdlog::info("cluster: node {} is gone; adopting {} of its calls", dead, out.reply.elements.size());
      for (const auto& call : out.reply.elements) {
        if (!call.is_string()) continue;
        self->held.insert(call.str);
        self->on.adopt(call.str);
      }
    });
  }

  void on_state(net::redis_link link, net::redis_state s, const std::string& why) {
    if (link != net::redis_link::commands || stopped) return;
    up = s == net::redis_state::up;
    ready.cluster_up = up;
    stats.cluster_redis_up.set(up ? 1 : 0);
    if (!up) {
      spdlog::warn("cluster: Redis at {} unreachable ({}); {}", opts.redis.endpoint.to_string(), why,
                   opts.serve_alone ? "new calls are served without a claim (cluster.redis-down=serve-alone)"
                                    : "no new call is claimed until it is back");
      return;
    }
    spdlog::info("cluster: Redis at {} reached; node {}", opts.redis.endpoint.to_string(), opts.node_id);
    up_since = clock_type::now();
    reclaim_held();
    if (!std::exchange(started, true)) take_back_own();
    renew();
  }

  // A process restarted under the same node id (a pod keeps its name when its container is
  // restarted) renews the lease of the one that died: the others will not adopt its calls, so
  // it does.
  void take_back_own() {
    redis->command(cluster::calls_of(keys, opts.node_id),
                   [self = shared_from_this()](net::redis_outcome out) {
                     if (self->stopped) return;
                     if (!out.success() || !out.reply.is_array()) {
                       spdlog::warn("cluster: reading this node's calls failed: {}", out.failure_text());
                       return;
                     }
                     if (!out.reply.elements.empty())
                       spdlog::info("cluster: {} calls of an earlier process named {} are adopted",
                                    out.reply.elements.size(), self->opts.node_id);
                     for (const auto& call : out.reply.elements)
                       if (call.is_string() && self->held.insert(call.str).second) self->on.adopt(call.str);
                   });
  }

  // Back in touch with Redis, which may have lost everything (restarted without persistence)
  // or given this node's calls away (its lease ran out meanwhile): every call served here is
  // claimed again, those served while Redis was down for the first time.
  void reclaim_held() {
    for (const auto& call : held)
      redis->command(cluster::claim(keys, opts.node_id, call), [self = shared_from_this(),
                                                                call](net::redis_outcome out) {
        if (self->stopped || !out.success() || !out.reply.is_integer() || out.reply.integer != 0) return;
        spdlog::warn("cluster: call {} was adopted by another node meanwhile; leaving it", call);
        self->held.erase(call);
        self->on.lost(call);
      });
  }

  void claim(const std::string& call, std::function<void(bool)> done) {
    if (stopped) return done(false);
    if (!up) return done(serve_unclaimed(call));
    // Every node claims every new call; the one serving fewest claims first, so calls spread.
    auto wait = std::min<std::chrono::microseconds>(claim_wait_per_call * held.size(), max_claim_wait);
    if (wait.count() == 0) return send_claim(call, std::move(done));
    auto timer = std::make_shared<boost::asio::steady_timer>(io, wait);
    timer->async_wait([self = shared_from_this(), timer, call, done = std::move(done)](
                          boost::system::error_code) mutable { self->send_claim(call, std::move(done)); });
  }

  void send_claim(const std::string& call, std::function<void(bool)> done) {
    if (stopped || !up) return done(!stopped && serve_unclaimed(call));
    redis->command(cluster::claim(keys, opts.node_id, call),
                   [self = shared_from_this(), call, done = std::move(done)](net::redis_outcome out) {
                     if (!out.success() || !out.reply.is_integer()) {
                       spdlog::warn("call {}: claim failed: {}", call, out.failure_text());
                       return done(self->serve_unclaimed(call));
                     }
                     bool ours = out.reply.integer == 1;
                     if (ours) self->held.insert(call);
                     done(ours);
                   });
  }

  bool serve_unclaimed(const std::string& call) {
    if (!opts.serve_alone) return false;
    held.insert(call);  // claimed once Redis is back
    return true;
  }

  void release(const std::string& call) {
    held.erase(call);
    if (up && !stopped) redis->command(cluster::release(keys, opts.node_id, call), [](net::redis_outcome) {});
  }
};

cluster_node::cluster_node(boost::asio::io_context& io, cluster_options options, metrics& stats,
                           readiness& ready, events on)
    : st_(std::make_shared<state>(io, std::move(options), stats, ready, std::move(on))) {
  std::weak_ptr<state> weak = st_;
  st_->redis = std::make_unique<net::redis_client>(
      io, st_->opts.redis, [weak](net::redis_link link, net::redis_state s, const std::string& why) {
        if (auto st = weak.lock()) st->on_state(link, s, why);
      });
}

cluster_node::~cluster_node() {
  if (st_->redis) st_->redis->stop();
}

void cluster_node::forward_events(std::function<void(std::string frame)> on_event) {
  st_->on_event = std::move(on_event);
}

// An event on the channel is the sending node's id, a newline, and the frame as received.
void cluster_node::share(std::string frame) {
  std::string message = st_->opts.node_id;
  message += '\n';
  message += frame;
  st_->redis->publish(st_->keys.events(), std::move(message), [](net::redis_outcome out) {
    if (!out.success()) spdlog::warn("cluster: passing an event on failed: {}", out.failure_text());
  });
}

void cluster_node::start() {
  st_->ready.cluster_required = true;
  st_->redis->start();
  if (st_->on_event)
    st_->redis->subscribe(st_->keys.events(), [st = st_](const std::string&, std::string message) {
      auto nl = message.find('\n');
      if (nl == std::string::npos || std::string_view(message).substr(0, nl) == st->opts.node_id) return;
      st->on_event(message.substr(nl + 1));
    });
  boost::asio::post(st_->io, [st = st_] { st->schedule(st->period()); });
}

void cluster_node::stop(std::chrono::milliseconds wait) {
  auto resigned = std::make_shared<std::promise<void>>();
  auto done = resigned->get_future();
  boost::asio::post(st_->io, [st = st_, resigned] {
    st->stopped = true;
    st->timer.cancel();
    if (!st->up) return resigned->set_value();
    st->redis->command(cluster::resign(st->keys, st->opts.node_id), [resigned](net::redis_outcome out) {
      if (!out.success()) spdlog::warn("cluster: ending the lease failed: {}", out.failure_text());
      resigned->set_value();
    });
  });
  if (done.wait_for(wait) != std::future_status::ready)
    spdlog::warn("cluster: Redis did not confirm the end of the lease; the others adopt once it runs out");
  st_->redis->stop();
}

void cluster_node::claim(const std::string& call_id, std::function<void(bool ours)> done) {
  boost::asio::post(st_->io, [st = st_, call_id, done = std::move(done)]() mutable {
    st->claim(call_id, std::move(done));
  });
}

void cluster_node::release(const std::string& call_id) {
  boost::asio::post(st_->io, [st = st_, call_id] { st->release(call_id); });
}

void cluster_node::checkpoint(const std::string& call_id, std::string json) {
  boost::asio::post(st_->io, [st = st_, call_id, json = std::move(json)]() mutable {
    if (!st->up || st->stopped || !st->held.count(call_id)) return;
    st->redis->command(cluster::store_checkpoint(st->keys, call_id, json, checkpoint_ttl),
                       [call_id](net::redis_outcome out) {
                         if (!out.success())
                           spdlog::warn("call {}: checkpoint not stored: {}", call_id, out.failure_text());
                       });
  });
}

void cluster_node::load_checkpoint(const std::string& call_id, std::function<void(std::string json)> done) {
  boost::asio::post(st_->io, [st = st_, call_id, done = std::move(done)]() mutable {
    if (!st->up || st->stopped) return done({});
    st->redis->command(
        cluster::load_checkpoint(st->keys, call_id), [done = std::move(done)](net::redis_outcome out) {
          done(out.success() && out.reply.is_string() ? std::move(out.reply.str) : std::string());
        });
  });
}

}  // namespace parley
