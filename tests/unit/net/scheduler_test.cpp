// The VoIPBIN request scheduler against a local HTTP server: rate limit, priorities, 429 with
// Retry-After, retries of idempotent requests only.

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "net/voipbin_scheduler.hpp"
#include "net_fixture.hpp"
#include "protocol/metrics.hpp"

using namespace parley;
using parley::test::eventually;
using parley::test::NetTest;

namespace {

struct seen_request {
  std::string method, path;
};

class SchedulerTest : public NetTest {
 protected:
  // `answer` gives the status for the n-th request (0-based) to a path; 0 reads the request in
  // full and closes the connection without answering.
  void serve_with(std::function<int(const std::string& path, int n)> answer, std::string retry_after = "1") {
    auto base =
        serve([this, answer, retry_after](net::server_request req, std::shared_ptr<net::server_reply> reply) {
          int n;
          {
            std::lock_guard lock{m};
            n = counts[req.path()]++;
            seen.push_back({req.method, req.path()});
          }
          int status = answer(req.path(), n);
          if (status == 0) return reply->drop();
          net::http_response r{status, {}, "{}"};
          if (status == 429) r.headers.push_back({"Retry-After", retry_after});
          reply->respond(std::move(r));
        });
    net::scheduler_options o;
    o.api = parse_url(base + "/v1.0").value();
    o.accesskey = "k";
    o.rate = rate;
    o.burst = burst;
    o.retry_backoff = std::chrono::milliseconds(20);
    o.stats = &stats;
    scheduler = std::make_unique<net::voipbin_scheduler>(io.context(), *client, o);
  }

  // Submits and waits for every answer; returns (status, rate_limited) in completion order.
  std::vector<std::pair<int, bool>> run(const std::vector<voipbin::rest_request>& requests) {
    std::mutex dm;
    std::vector<std::pair<int, bool>> done;
    for (const auto& r : requests)
      scheduler->submit(r, [&](net::http_outcome o, bool limited) {
        std::lock_guard lock{dm};
        done.push_back({o.response.status, limited});
      });
    for (int i = 0; i < 1000; ++i) {
      {
        std::lock_guard lock{dm};
        if (done.size() == requests.size()) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::lock_guard lock{dm};
    return done;
  }

  double rate = 1000;
  double burst = 100;
  metrics stats;
  std::mutex m;
  std::map<std::string, int> counts;
  std::vector<seen_request> seen;
  std::unique_ptr<net::voipbin_scheduler> scheduler;
};

const std::string id = "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d";

}  // namespace

TEST_F(SchedulerTest, WhenSaturatedHigherPrioritiesGoFirst) {
  rate = 20;
  burst = 1;
  serve_with([](const std::string&, int) { return 200; });
  // One token: the first GET goes at once, the rest wait and leave by priority.
  const std::string other = "1b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d";
  auto done =
      run({voipbin::get_call(id), voipbin::get_call(id), voipbin::stop_transcribe(id),
           voipbin::create_transcribe(id, "en-US"), voipbin::say(id, "hi"), voipbin::flush_speaking(other)});
  ASSERT_EQ(done.size(), 6u);
  std::vector<std::string> order;
  for (const auto& r : seen) order.push_back(r.path.substr(r.path.rfind('/')));
  EXPECT_EQ(order, (std::vector<std::string>{"/" + id, "/flush", "/say", "/transcribes", "/stop", "/" + id}));
  int limited = 0;
  for (auto& [status, was_limited] : done) limited += was_limited;
  EXPECT_EQ(limited, 5);
}

// A flush never lets an older /say of its session out after it (DESIGN §4): a /say still
// queued is dropped, one on the wire is answered before the flush is sent.
TEST_F(SchedulerTest, AFlushDropsTheQueuedSaysOfItsSession) {
  rate = 20;
  burst = 1;
  serve_with([](const std::string&, int) { return 200; });
  const std::string other = "1b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d";
  auto done = run({voipbin::get_call(id), voipbin::say(id, "stale one"), voipbin::say(other, "kept"),
                   voipbin::say(id, "stale two"), voipbin::flush_speaking(id)});
  ASSERT_EQ(done.size(), 5u);
  std::vector<std::string> order;
  for (const auto& r : seen) order.push_back(r.path.substr(std::string("/v1.0").size()));
  EXPECT_EQ(order, (std::vector<std::string>{"/calls/" + id, "/speakings/" + id + "/flush",
                                             "/speakings/" + other + "/say"}));
  int cancelled = 0;
  for (auto& [status, limited] : done) cancelled += status == 0;
  EXPECT_EQ(cancelled, 2);
  EXPECT_EQ(stats.rest_says_dropped_total.value(), 2u);
}

TEST_F(SchedulerTest, AFlushWaitsForTheSayOnTheWire) {
  std::mutex m2;
  std::vector<std::string> answered;  // in the order the server answered
  std::shared_ptr<net::server_reply> held_say;
  auto base = serve([&](net::server_request req, std::shared_ptr<net::server_reply> reply) {
    auto tail = req.path().substr(req.path().rfind('/'));
    std::lock_guard lock{m2};
    if (tail == "/say") {
      held_say = reply;  // answered when the test says so
      return;
    }
    answered.push_back(tail);
    reply->respond({200, {}, "{}"});
  });
  net::scheduler_options o;
  o.api = parse_url(base + "/v1.0").value();
  o.accesskey = "k";
  scheduler = std::make_unique<net::voipbin_scheduler>(io.context(), *client, o);
  std::atomic<int> finished{0};
  auto count = [&](net::http_outcome, bool) { ++finished; };
  auto seen_by_server = [&](const std::string& tail) {
    std::lock_guard lock{m2};
    return (tail == "/say" && held_say) ||
           std::find(answered.begin(), answered.end(), tail) != answered.end();
  };
  scheduler->submit(voipbin::say(id, "on the wire"), count);
  ASSERT_TRUE(eventually([&] { return seen_by_server("/say"); }));
  // The flush leaves the queue before the GET does (priority), unless it is held.
  scheduler->submit(voipbin::flush_speaking(id), count);
  scheduler->submit(voipbin::get_call(id), count);
  ASSERT_TRUE(eventually([&] { return seen_by_server("/" + id); }));
  {
    std::lock_guard lock{m2};
    answered.push_back("/say");
    held_say->respond({200, {}, "{}"});
  }
  ASSERT_TRUE(eventually([&] { return finished == 3; }));
  std::lock_guard lock{m2};
  EXPECT_EQ(answered, (std::vector<std::string>{"/" + id, "/say", "/flush"}));
}

// A /say on the wire that comes back 429 while a flush of its session waits is stale: it is
// not sent again after the flush.
TEST_F(SchedulerTest, ASayRateLimitedWhileItsFlushWaitsIsNotSentAgain) {
  std::mutex m2;
  std::vector<std::string> seen_paths;
  std::shared_ptr<net::server_reply> held_say;
  auto base = serve([&](net::server_request req, std::shared_ptr<net::server_reply> reply) {
    auto tail = req.path().substr(req.path().rfind('/'));
    std::lock_guard lock{m2};
    seen_paths.push_back(tail);
    if (tail == "/say" && !held_say) {
      held_say = reply;  // answered 429 once the flush waits behind it
      return;
    }
    reply->respond({200, {}, "{}"});
  });
  net::scheduler_options o;
  o.api = parse_url(base + "/v1.0").value();
  o.accesskey = "k";
  scheduler = std::make_unique<net::voipbin_scheduler>(io.context(), *client, o);
  std::atomic<int> say_status{-1}, finished{0};
  scheduler->submit(voipbin::say(id, "stale"), [&](net::http_outcome out, bool) {
    say_status = out.response.status;
    ++finished;
  });
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock{m2};
    return held_say != nullptr;
  }));
  scheduler->submit(voipbin::flush_speaking(id), [&](net::http_outcome, bool) { ++finished; });
  scheduler->submit(voipbin::get_call(id), [&](net::http_outcome, bool) { ++finished; });
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock{m2};
    return seen_paths.size() == 2;  // the GET went; the flush waits for the /say
  }));
  {
    std::lock_guard lock{m2};
    held_say->respond({429, {{"Retry-After", "1"}}, "{}"});
  }
  ASSERT_TRUE(eventually([&] { return finished == 3; }));
  std::lock_guard lock{m2};
  EXPECT_EQ(seen_paths, (std::vector<std::string>{"/say", "/" + id, "/flush"}));
  EXPECT_EQ(say_status, 0);                              // dropped, not sent again
  EXPECT_EQ(stats.rest_says_dropped_total.value(), 0u);  // no stats given to this scheduler
}

TEST_F(SchedulerTest, A429PausesAndSendsAgain) {
  serve_with([](const std::string&, int n) { return n == 0 ? 429 : 200; }, "1");
  auto start = std::chrono::steady_clock::now();
  auto done = run({voipbin::say(id, "hello")});
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].first, 200);
  EXPECT_TRUE(done[0].second);
  EXPECT_EQ(seen.size(), 2u);
  EXPECT_EQ(stats.rest_throttled_total.value(), 1u);
  // Retry-After was honoured (ordering, not a latency bound: the retry came after the pause).
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST_F(SchedulerTest, OnlyIdempotentRequestsAreRetried) {
  serve_with([](const std::string&, int n) { return n < 2 ? 503 : 200; });
  auto done = run({voipbin::stop_speaking(id)});
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].first, 200);
  EXPECT_EQ(counts["/v1.0/speakings/" + id + "/stop"], 3);
  auto say = run({voipbin::say(id, "once")});
  ASSERT_EQ(say.size(), 1u);
  EXPECT_EQ(say[0].first, 503);  // a /say is never sent twice
  EXPECT_EQ(counts["/v1.0/speakings/" + id + "/say"], 1);
  EXPECT_EQ(stats.rest_retries_total.value(), 2u);
}

// The connection is lost after the request was read: a /say may have been spoken, so neither
// the HTTP client nor the scheduler sends it again; a /stop is idempotent (voipbin-api.md §8)
// and is sent again.
TEST_F(SchedulerTest, AfterATransportFailureOnlyIdempotentRequestsAreSentAgain) {
  serve_with([](const std::string& path, int n) { return n == 0 && !path.ends_with(id) ? 0 : 200; });
  ASSERT_EQ(run({voipbin::get_call(id)}), (std::vector<std::pair<int, bool>>{{200, false}}));
  auto say = run({voipbin::say(id, "once")});  // on the GET's kept-alive connection
  ASSERT_EQ(say.size(), 1u);
  EXPECT_EQ(say[0].first, 0);  // a transport failure
  EXPECT_EQ(client->stats().reuses, 1u);
  auto stop = run({voipbin::stop_speaking(id)});
  ASSERT_EQ(stop.size(), 1u);
  EXPECT_EQ(stop[0].first, 200);
  EXPECT_EQ(counts["/v1.0/speakings/" + id + "/say"], 1);
  EXPECT_EQ(counts["/v1.0/speakings/" + id + "/stop"], 2);
  EXPECT_EQ(stats.rest_retries_total.value(), 1u);
}

// The queues are bounded: a request beyond options.max_queued completes at once with
// queue_full (and is counted); the ones queued before it still go out.
TEST_F(SchedulerTest, ARequestBeyondTheBoundIsRefusedAtOnce) {
  serve_with([](const std::string&, int) { return 200; });
  net::scheduler_options o;
  o.api = parse_url("http://127.0.0.1:" + std::to_string(server->port()) + "/v1.0").value();
  o.accesskey = "k";
  o.rate = 1;  // one token: the first goes, the next two wait
  o.burst = 1;
  o.max_queued = 2;
  o.stats = &stats;
  scheduler = std::make_unique<net::voipbin_scheduler>(io.context(), *client, o);
  std::mutex dm;
  std::vector<std::pair<std::string, net::net_errc>> done;  // path tail, error, in completion order
  for (auto r : {voipbin::get_call(id), voipbin::stop_speaking(id), voipbin::hangup_call(id),
                 voipbin::flush_speaking(id)})
    scheduler->submit(r, [&, tail = r.path.substr(r.path.rfind('/'))](net::http_outcome out, bool) {
      std::lock_guard lock{dm};
      done.push_back({tail, out.error});
    });
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock{dm};
    return done.size() == 4;
  }));
  std::lock_guard lock{dm};
  for (const auto& [tail, error] : done)
    EXPECT_EQ(error, tail == "/flush" ? net::net_errc::queue_full : net::net_errc::none) << tail;
  EXPECT_EQ(stats.rest_queue_full_total.value(), 1u);
  EXPECT_EQ(seen.size(), 3u);  // the refused flush was never sent
}
