#pragma once
// Every VoIPBIN REST call goes through one scheduler (DESIGN §5): a token bucket sized from
// voipbin.rate-limit / voipbin.rate-burst, so parley stays under the customer's limit
// (voipbin-api.md §8); when requests must wait, they leave in priority order (flush, say,
// create, stop, polling). A 429 pauses everything for its Retry-After and the request is sent
// again; 5xx and transport failures of idempotent requests are retried with backoff.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "net/http_types.hpp"
#include "protocol/voipbin_requests.hpp"

namespace boost::asio {
class io_context;
}

namespace parley {
struct metrics;
}

namespace parley::net {

class http_client;

struct scheduler_options {
  url api;  // VoIPBIN REST base, e.g. https://api.voipbin.net/v1.0
  std::string accesskey;
  std::chrono::milliseconds timeout{10000};
  double rate = 16;   // requests per second
  double burst = 33;  // bucket size
  int max_retries = 3;
  std::chrono::milliseconds retry_backoff{500};  // doubled per retry
  metrics* stats = nullptr;                      // 429s and retries are counted when set
  // Requests waiting at most (queued, or a flush held behind its /say): a new one beyond it
  // completes at once with net_errc::queue_full, so a VoIPBIN that stays slow cannot grow the
  // queues without end.
  std::size_t max_queued = 100000;
};

class voipbin_scheduler {
 public:
  // `rate_limited` tells that the request had to wait for the rate limit (a token or a 429).
  using done_fn = std::function<void(http_outcome, bool rate_limited)>;

  voipbin_scheduler(boost::asio::io_context& io, http_client& http, scheduler_options options);
  ~voipbin_scheduler();

  // Thread-safe; `done` runs on the io thread (at once, with net_errc::queue_full, when
  // options.max_queued requests wait already).
  void submit(voipbin::rest_request request, done_fn done);
  // Thread-safe: from now on this process uses 1/parts of the rate and the burst (cluster mode:
  // VoIPBIN's limit is per customer, shared by the live instances).
  void share(int parts);

  struct impl;

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace parley::net
