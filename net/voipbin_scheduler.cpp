#include "net/voipbin_scheduler.hpp"

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <charconv>
#include <unordered_map>
#include <vector>

#include "net/http_client.hpp"
#include "net/keyed_fifo.hpp"
#include "protocol/metrics.hpp"

namespace parley::net {

namespace asio = boost::asio;
using clock_type = std::chrono::steady_clock;

namespace {

struct queued {
  voipbin::rest_request request;
  voipbin_scheduler::done_fn done;
  int attempt = 0;
  bool waited = false;
  uint64_t seq = 0;  // when it entered a queue: see waited_before
};

std::chrono::milliseconds retry_after(const http_headers& headers) {
  auto text = find_header(headers, "retry-after");
  unsigned seconds = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec != std::errc{} || seconds == 0) return std::chrono::seconds(1);
  return std::chrono::seconds(std::min(seconds, 60u));
}

}  // namespace

struct voipbin_scheduler::impl : std::enable_shared_from_this<voipbin_scheduler::impl> {
  impl(asio::io_context& io, http_client& http, scheduler_options o)
      : io(io),
        http(http),
        opts(std::move(o)),
        rate(opts.rate),
        burst(opts.burst),
        tokens(opts.burst),
        refilled(clock_type::now()),
        timer(io) {}

  // A new request: refused at once when the queues hold opts.max_queued already.
  void submit(queued q) {
    if (waiting() >= opts.max_queued) {
      if (opts.stats) opts.stats->rest_queue_full_total.inc();
      if (q.done)
        q.done(http_outcome{net_errc::queue_full,
                            "refused: " + std::to_string(waiting()) + " requests wait already (queue full)",
                            {}},
               false);
      return;
    }
    enqueue(std::move(q), false);
  }

  std::size_t waiting() const {
    std::size_t n = held_count;
    for (const auto& q : queues) n += q.size();
    return n;
  }

  void enqueue(queued q, bool front) {
    // A flush or stop makes the session's queued /say texts stale: they never go out
    // (DESIGN §4). A flush also waits for a /say already on the wire, so VoIPBIN cannot take
    // the stale text after the flush.
    auto session = voipbin::speaking_of(q.request);
    if (!session.empty() && !voipbin::is_say(q.request)) {
      drop_queued_says(session);
      if (voipbin::is_flush(q.request) && says_on_wire.count(std::string(session))) {
        held[std::string(session)].push_back(std::move(q));
        ++held_count;
        return;
      }
    }
    auto& queue = queues[static_cast<int>(voipbin::priority_of(q.request))];
    // Only the says are taken by session (drop_queued_says).
    std::string key =
        voipbin::is_say(q.request) ? std::string(voipbin::speaking_of(q.request)) : std::string();
    q.seq = next_seq++;
    if (front)
      queue.push_front(std::move(key), std::move(q));
    else
      queue.push_back(std::move(key), std::move(q));
    pump();
  }

  void drop_queued_says(std::string_view session) {
    auto dropped = queues[static_cast<int>(voipbin::priority::say)].take(std::string(session));
    for (auto& item : dropped) {
      mark_waited(item);
      if (opts.stats) opts.stats->rest_says_dropped_total.inc();
      if (item.done)
        item.done(http_outcome{net_errc::cancelled, "dropped: the speaking was flushed", {}}, item.waited);
    }
  }

  // A /say of `session` was answered: a flush held behind it may go.
  void say_answered(const std::string& session) {
    auto it = says_on_wire.find(session);
    if (it == says_on_wire.end() || --it->second > 0) return;
    says_on_wire.erase(it);
    auto h = held.find(session);
    if (h == held.end()) return;
    auto waiting = std::move(h->second);
    held.erase(h);
    held_count -= waiting.size();
    for (auto& q : waiting) enqueue(std::move(q), true);
  }

  void refill() {
    auto now = clock_type::now();
    tokens = std::min(burst, tokens + std::chrono::duration<double>(now - refilled).count() * rate);
    refilled = now;
  }

  void pump() {
    refill();
    auto now = clock_type::now();
    while (true) {
      auto next = std::find_if(queues.begin(), queues.end(), [](const auto& q) { return !q.empty(); });
      if (next == queues.end()) return;
      if (now < paused_until || tokens < 1) {
        waited_before = next_seq;  // everything queued now has waited
        auto wake = now < paused_until ? paused_until
                                       : now + std::chrono::duration_cast<clock_type::duration>(
                                                   std::chrono::duration<double>((1 - tokens) / rate));
        arm(wake);
        return;
      }
      tokens -= 1;
      auto item = next->pop_front();
      mark_waited(item);
      send(std::move(item));
    }
  }

  // An item that was queued while a pump found no token (or a pause) had to wait for the rate
  // limit: told when it leaves its queue, so a blocked pump marks nothing (O(1), not O(queued)).
  void mark_waited(queued& item) const {
    if (item.seq < waited_before) item.waited = true;
  }

  void arm(clock_type::time_point when) {
    if (timer_armed && timer_at <= when) return;
    timer_armed = true;
    timer_at = when;
    timer.expires_at(when);
    timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec) return;
      self->timer_armed = false;
      self->pump();
    });
  }

  void send(queued item) {
    http_request req;
    req.method = item.request.method;
    req.target = opts.api.with_path_suffix(item.request.path).with_query("accesskey", opts.accesskey);
    req.body = item.request.body;
    req.timeout = opts.timeout;
    if (voipbin::is_say(item.request)) ++says_on_wire[std::string(voipbin::speaking_of(item.request))];
    auto shared = std::make_shared<queued>(std::move(item));
    http.send(std::move(req), [self = shared_from_this(), shared](http_outcome out) {
      self->on_done(std::move(*shared), std::move(out));
    });
  }

  void on_done(queued item, http_outcome out) {
    // A /say answered while a flush of its session waits behind it is stale: it is never sent
    // again, even when the answer was a 429.
    bool stale = false;
    if (voipbin::is_say(item.request)) {
      std::string session(voipbin::speaking_of(item.request));
      stale = held.count(session) > 0;
      say_answered(session);
    }
    if (out.ok() && out.response.status == 429) {
      // The customer's limit is shared by everything parley sends: pause it all.
      if (opts.stats) opts.stats->rest_throttled_total.inc();
      paused_until = std::max(paused_until, clock_type::now() + retry_after(out.response.headers));
      tokens = 0;
      item.waited = true;
      if (stale) {
        if (opts.stats) opts.stats->rest_says_dropped_total.inc();
        out = http_outcome{net_errc::cancelled, "dropped: the speaking was flushed", {}};
      } else if (++item.attempt <= 10) {
        return enqueue(std::move(item), true);
      }
    } else if ((!out.ok() || out.response.status >= 500) && voipbin::idempotent(item.request) &&
               item.attempt < opts.max_retries && out.error != net_errc::cancelled) {
      if (opts.stats) opts.stats->rest_retries_total.inc();
      auto delay = opts.retry_backoff * (1 << item.attempt);
      ++item.attempt;
      auto t = std::make_shared<asio::steady_timer>(io, delay);
      auto shared = std::make_shared<queued>(std::move(item));
      t->async_wait([self = shared_from_this(), t, shared](boost::system::error_code) {
        self->enqueue(std::move(*shared), false);
      });
      return;
    }
    if (item.done) item.done(std::move(out), item.waited);
  }

  asio::io_context& io;
  http_client& http;
  scheduler_options opts;
  std::array<keyed_fifo<queued>, voipbin::priority_levels> queues;
  uint64_t next_seq = 0;       // the seq of the next item queued
  uint64_t waited_before = 0;  // items with a smaller seq were queued while the pump was blocked
  std::size_t held_count = 0;  // flushes in `held`
  double rate;                 // this process's share of opts.rate
  double burst;                // and of opts.burst
  double tokens;
  clock_type::time_point refilled;
  clock_type::time_point paused_until{};
  std::unordered_map<std::string, int> says_on_wire;          // speaking id -> /say sent, unanswered
  std::unordered_map<std::string, std::vector<queued>> held;  // speaking id -> flushes waiting for them
  asio::steady_timer timer;
  bool timer_armed = false;
  clock_type::time_point timer_at{};
};

voipbin_scheduler::voipbin_scheduler(asio::io_context& io, http_client& http, scheduler_options options)
    : impl_(std::make_shared<impl>(io, http, std::move(options))) {}

voipbin_scheduler::~voipbin_scheduler() = default;

void voipbin_scheduler::share(int parts) {
  asio::post(impl_->io, [st = impl_, parts] {
    st->refill();
    auto n = static_cast<double>(std::max(1, parts));
    st->rate = st->opts.rate / n;
    st->burst = std::max(1.0, st->opts.burst / n);
    st->tokens = std::min(st->tokens, st->burst);
  });
}

void voipbin_scheduler::submit(voipbin::rest_request request, done_fn done) {
  asio::post(impl_->io, [i = impl_, r = std::move(request), d = std::move(done)]() mutable {
    i->submit(queued{std::move(r), std::move(d)});
  });
}

}  // namespace parley::net
