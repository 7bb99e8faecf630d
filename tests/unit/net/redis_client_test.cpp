// The Redis client against a real redis-server on loopback: no mocks.

#include "net/redis_client.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <csignal>
#include <future>
#include <mutex>
#include <thread>
#include <tuple>

#include "integration/redis_process.hpp"
#include "net/io_runtime.hpp"
#include "unit/net/net_fixture.hpp"

namespace parley::test {
namespace {

using namespace std::chrono_literals;
using net::redis_errc;
using net::redis_link;
using net::redis_state;

// State changes as the client reports them, from the io thread.
class state_log {
 public:
  net::redis_client::state_fn observer() {
    return [this](redis_link l, redis_state s, const std::string& reason) {
      std::lock_guard lock(m_);
      events_.emplace_back(l, s, reason);
    };
  }
  bool is(redis_link l, redis_state s) {
    std::lock_guard lock(m_);
    for (auto it = events_.rbegin(); it != events_.rend(); ++it)
      if (std::get<0>(*it) == l) return std::get<1>(*it) == s;
    return false;
  }
  int count(redis_link l, redis_state s) {
    std::lock_guard lock(m_);
    int n = 0;
    for (const auto& e : events_) n += std::get<0>(e) == l && std::get<1>(e) == s;
    return n;
  }
  std::string reasons() {
    std::lock_guard lock(m_);
    std::string out;
    for (const auto& e : events_) out += std::get<2>(e) + "\n";
    return out;
  }

 private:
  std::mutex m_;
  std::vector<std::tuple<redis_link, redis_state, std::string>> events_;
};

// Messages received by subscriptions, from the io thread.
class inbox {
 public:
  net::redis_client::message_fn sink() {
    return [this](const std::string& channel, std::string message) {
      std::lock_guard lock(m_);
      got_.emplace_back(channel, std::move(message));
    };
  }
  std::vector<std::pair<std::string, std::string>> messages() {
    std::lock_guard lock(m_);
    return got_;
  }
  bool has(const std::string& channel, const std::string& message) {
    for (const auto& [c, m] : messages())
      if (c == channel && m == message) return true;
    return false;
  }

 private:
  std::mutex m_;
  std::vector<std::pair<std::string, std::string>> got_;
};

class RedisClientTest : public ::testing::Test {
 protected:
  void SetUp() override { io.start(); }
  void TearDown() override { io.stop(); }

  net::redis_options options(const redis_process& r, std::string password = {}, int db = 0) {
    net::redis_options o;
    o.endpoint = parse_redis_url(r.url(db)).value();
    o.password = std::move(password);
    return o;
  }

  std::unique_ptr<net::redis_client> client(net::redis_options o) {
    auto c = std::make_unique<net::redis_client>(io.context(), std::move(o), log.observer());
    c->start();
    return c;
  }

  // A started client whose commands connection is up.
  std::unique_ptr<net::redis_client> connected(net::redis_options o) {
    auto c = client(std::move(o));
    EXPECT_TRUE(eventually([&] { return log.is(redis_link::commands, redis_state::up); }, 20s))
        << log.reasons();
    return c;
  }

  // A second client (its state is not logged) that answers PING, e.g. to pause Redis.
  std::unique_ptr<net::redis_client> helper(const redis_process& r, std::string password = {}) {
    auto c = std::make_unique<net::redis_client>(io.context(), options(r, std::move(password)));
    c->start();
    EXPECT_TRUE(eventually([&] { return run(*c, {"PING"}).success(); }, 20s));
    return c;
  }

  // Sends one command and waits for its callback.
  static net::redis_outcome run(net::redis_client& c, std::vector<std::string> args) {
    auto p = std::make_shared<std::promise<net::redis_outcome>>();
    auto f = p->get_future();
    c.command(std::move(args), [p](net::redis_outcome o) { p->set_value(std::move(o)); });
    if (f.wait_for(20s) != std::future_status::ready) {
      ADD_FAILURE() << "no callback within 20 s";
      return {redis_errc::invalid, "no callback", {}};
    }
    return f.get();
  }

  net::io_runtime io{1};
  state_log log;
};

TEST_F(RedisClientTest, SetAndGetAreBinarySafe) {
  redis_process redis;
  ASSERT_TRUE(redis.running()) << redis.output();
  auto c = connected(options(redis));

  std::string key("k\0\r\n$3\r\n", 8);
  std::string value;
  for (int i = 0; i < 256; ++i) value += static_cast<char>(i);
  value += std::string(200000, 'x');  // more than one read

  auto set = run(*c, {"SET", key, value});
  ASSERT_TRUE(set.ok()) << set.error_text;
  EXPECT_EQ(set.reply, redis_reply::make_string("OK", redis_reply::kind::status));

  auto get = run(*c, {"GET", key});
  ASSERT_TRUE(get.success()) << get.failure_text();
  ASSERT_TRUE(get.reply.is_string());
  EXPECT_EQ(get.reply.str, value);

  auto missing = run(*c, {"GET", "no such key"});
  ASSERT_TRUE(missing.success());
  EXPECT_TRUE(missing.reply.is_nil());
  EXPECT_GE(c->stats().commands, 3u);
  EXPECT_EQ(c->stats().connects, 1u);
}

TEST_F(RedisClientTest, EvalReturnsIntegersAndNestedArrays) {
  redis_process redis;
  ASSERT_TRUE(redis.running()) << redis.output();
  auto c = connected(options(redis));

  auto n = run(*c, {"EVAL", "return 42", "0"});
  ASSERT_TRUE(n.success()) << n.failure_text();
  EXPECT_EQ(n.reply, redis_reply::make_integer(42));

  auto a =
      run(*c, {"EVAL", "return {1, 'two', {3, KEYS[1]}, ARGV[1]}", "1", "key:1", std::string("v\0v", 3)});
  ASSERT_TRUE(a.success()) << a.failure_text();
  EXPECT_EQ(a.reply.describe(), R"([1, "two", [3, "key:1"], "v\x00v"])");
  ASSERT_EQ(a.reply.elements.size(), 4u);
  EXPECT_EQ(a.reply.elements[2].elements[0].integer, 3);
}

TEST_F(RedisClientTest, AnErrorReplyIsAValueNotATransportFailure) {
  redis_process redis;
  ASSERT_TRUE(redis.running()) << redis.output();
  auto c = connected(options(redis));

  ASSERT_TRUE(run(*c, {"SET", "s", "text"}).success());
  auto incr = run(*c, {"INCR", "s"});
  ASSERT_TRUE(incr.ok()) << incr.error_text;
  EXPECT_EQ(incr.error, redis_errc::none);
  ASSERT_TRUE(incr.reply.is_error());
  EXPECT_FALSE(incr.success());
  EXPECT_EQ(incr.reply.str.rfind("ERR", 0), 0u) << incr.reply.str;
  EXPECT_EQ(incr.failure_text(), incr.reply.str);

  auto lua = run(*c, {"EVAL", "return redis.error_reply('LEASE taken by node-2')", "0"});
  ASSERT_TRUE(lua.ok());
  EXPECT_EQ(lua.reply, redis_reply::make_string("LEASE taken by node-2", redis_reply::kind::error));

  auto unknown = run(*c, {"NOSUCHCOMMAND", "x"});
  ASSERT_TRUE(unknown.ok());
  EXPECT_TRUE(unknown.reply.is_error());

  // The connection is fine afterwards.
  auto ping = run(*c, {"PING"});
  EXPECT_EQ(ping.reply, redis_reply::make_string("PONG", redis_reply::kind::status));
}

TEST_F(RedisClientTest, CommandsThatWouldChangeTheSharedConnectionAreRefused) {
  redis_process redis;
  ASSERT_TRUE(redis.running()) << redis.output();
  auto c = connected(options(redis));
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{{},
                                                                             {"SUBSCRIBE", "x"},
                                                                             {"psubscribe", "x*"},
                                                                             {"MONITOR"},
                                                                             {"select", "2"},
                                                                             {"AUTH", "x"},
                                                                             {"HELLO", "3"}}) {
    auto o = run(*c, args);
    EXPECT_EQ(o.error, redis_errc::invalid) << (args.empty() ? "(empty)" : args[0]);
  }
  EXPECT_TRUE(run(*c, {"PING"}).success());
}

TEST_F(RedisClientTest, SelectsTheDatabaseOfTheUrl) {
  redis_process redis;
  ASSERT_TRUE(redis.running()) << redis.output();
  auto db3 = connected(options(redis, {}, 3));
  ASSERT_TRUE(run(*db3, {"SET", "where", "three"}).success());
  EXPECT_EQ(run(*db3, {"GET", "where"}).reply.str, "three");

  auto db0 = helper(redis);
  EXPECT_TRUE(run(*db0, {"GET", "where"}).reply.is_nil());
  EXPECT_EQ(run(*db0, {"EXISTS", "where"}).reply.integer, 0);
}

TEST_F(RedisClientTest, AuthenticatesAndAWrongPasswordIsAClearErrorWithoutThePassword) {
  const std::string secret = "s3cret-Pa55-7f1c";
  const std::string wrong = "wr0ng-Pa55-0b9e";
  redis_process redis(0, secret);
  ASSERT_TRUE(redis.running()) << redis.output();

  {
    auto good = connected(options(redis, secret));
    auto ping = run(*good, {"PING"});
    EXPECT_EQ(ping.reply, redis_reply::make_string("PONG", redis_reply::kind::status));
  }

  state_log bad_log;
  net::redis_client bad(io.context(), options(redis, wrong), bad_log.observer());
  bad.start();
  ASSERT_TRUE(eventually([&] { return bad_log.is(redis_link::commands, redis_state::down); }, 20s));
  auto reasons = bad_log.reasons();
  EXPECT_NE(reasons.find("redis refused AUTH"), std::string::npos) << reasons;
  EXPECT_NE(reasons.find("WRONGPASS"), std::string::npos) << reasons;
  auto o = run(bad, {"PING"});
  EXPECT_EQ(o.error, redis_errc::unavailable);
  EXPECT_NE(o.error_text.find("redis unavailable: redis refused AUTH"), std::string::npos) << o.error_text;
  for (const auto& text : {reasons, o.error_text}) {
    EXPECT_EQ(text.find(wrong), std::string::npos) << text;
    EXPECT_EQ(text.find(secret), std::string::npos) << text;
  }
  EXPECT_EQ(bad_log.count(redis_link::commands, redis_state::up), 0);

  state_log none_log;
  net::redis_client none(io.context(), options(redis), none_log.observer());
  none.start();
  ASSERT_TRUE(eventually([&] { return none_log.is(redis_link::commands, redis_state::down); }, 20s));
  EXPECT_NE(none_log.reasons().find("redis requires a password: NOAUTH"), std::string::npos)
      << none_log.reasons();
}

TEST_F(RedisClientTest, PubSubDeliversPublishedMessages) {
  redis_process redis;
  ASSERT_TRUE(redis.running()) << redis.output();
  inbox got;
  auto c = std::make_unique<net::redis_client>(io.context(), options(redis), log.observer());
  c->subscribe("parley:node:a", got.sink());  // before start: sent once connected
  c->start();
  ASSERT_TRUE(eventually([&] { return log.is(redis_link::subscriber, redis_state::up); }, 20s))
      << log.reasons();
  ASSERT_TRUE(eventually([&] { return log.is(redis_link::commands, redis_state::up); }, 20s))
      << log.reasons();

  std::string payload("{\"event\":1}\0\xff", 14);
  auto p = std::make_shared<std::promise<net::redis_outcome>>();
  c->publish("parley:node:a", payload, [p](net::redis_outcome o) { p->set_value(std::move(o)); });
  auto f = p->get_future();
  ASSERT_EQ(f.wait_for(20s), std::future_status::ready);
  auto published = f.get();
  ASSERT_TRUE(published.success()) << published.failure_text();
  EXPECT_EQ(published.reply.integer, 1);  // one subscriber: ours
  ASSERT_TRUE(eventually([&] { return got.has("parley:node:a", payload); }));

  // A channel added while connected; subscribing is asynchronous, so publish until it counts.
  c->subscribe("parley:node:b", got.sink());
  ASSERT_TRUE(eventually([&] { return run(*c, {"PUBLISH", "parley:node:b", "hello"}).reply.integer == 1; }));
  ASSERT_TRUE(eventually([&] { return got.has("parley:node:b", "hello"); }));

  c->unsubscribe("parley:node:a");
  ASSERT_TRUE(eventually([&] { return run(*c, {"PUBLISH", "parley:node:a", "x"}).reply.integer == 0; }));
  EXPECT_FALSE(got.has("parley:node:a", "x"));
  EXPECT_EQ(run(*c, {"PUBLISH", "parley:node:b", "still"}).reply.integer, 1);
}

TEST_F(RedisClientTest, ALostServerFailsCommandsAndARestartedOneIsUsedAgain) {
  redis_process redis;
  ASSERT_TRUE(redis.running()) << redis.output();
  auto opts = options(redis);
  opts.command_timeout = 30s;  // the failures below are from the lost connection, not a timeout
  inbox got;
  auto c = std::make_unique<net::redis_client>(io.context(), opts, log.observer());
  c->subscribe("events", got.sink());
  c->start();
  ASSERT_TRUE(eventually([&] { return log.is(redis_link::commands, redis_state::up); }, 20s))
      << log.reasons();
  ASSERT_TRUE(eventually([&] { return log.is(redis_link::subscriber, redis_state::up); }, 20s))
      << log.reasons();
  ASSERT_TRUE(run(*c, {"SET", "k", "v"}).success());

  // Commands in flight: Redis holds them while paused, then dies.
  auto pauser = helper(redis);
  ASSERT_TRUE(run(*pauser, {"CLIENT", "PAUSE", "20000", "ALL"}).success());
  std::vector<std::future<net::redis_outcome>> pending;
  for (int i = 0; i < 5; ++i) {
    auto p = std::make_shared<std::promise<net::redis_outcome>>();
    pending.push_back(p->get_future());
    c->command({"GET", "k"}, [p](net::redis_outcome o) { p->set_value(std::move(o)); });
  }
  redis.kill();
  for (auto& f : pending) {
    ASSERT_EQ(f.wait_for(20s), std::future_status::ready);
    auto o = f.get();
    EXPECT_EQ(o.error, redis_errc::connection_lost) << o.error_text;
    EXPECT_NE(o.error_text.find("redis connection lost"), std::string::npos) << o.error_text;
  }
  ASSERT_TRUE(eventually([&] { return log.is(redis_link::commands, redis_state::down); })) << log.reasons();
  ASSERT_TRUE(eventually([&] { return log.is(redis_link::subscriber, redis_state::down); })) << log.reasons();

  // New commands fail at once while it is down.
  auto down = run(*c, {"GET", "k"});
  EXPECT_EQ(down.error, redis_errc::unavailable);
  EXPECT_EQ(down.error_text.rfind("redis unavailable: ", 0), 0u) << down.error_text;

  // Back on the same port: both connections come up by themselves, the subscription included.
  ASSERT_TRUE(redis.restart()) << redis.output();
  ASSERT_TRUE(eventually([&] { return log.is(redis_link::commands, redis_state::up); }, 20s))
      << log.reasons();
  ASSERT_TRUE(eventually([&] { return log.is(redis_link::subscriber, redis_state::up); }, 20s))
      << log.reasons();
  EXPECT_EQ(log.count(redis_link::commands, redis_state::up), 2);
  EXPECT_TRUE(run(*c, {"SET", "k", "again"}).success());
  EXPECT_EQ(run(*c, {"GET", "k"}).reply.str, "again");
  EXPECT_EQ(run(*c, {"PUBLISH", "events", "after restart"}).reply.integer, 1);
  ASSERT_TRUE(eventually([&] { return got.has("events", "after restart"); }));
}

TEST_F(RedisClientTest, ConnectsOnceRedisAppears) {
  int port = free_port();
  net::redis_options o;
  o.endpoint = parse_redis_url("redis://127.0.0.1:" + std::to_string(port)).value();
  auto c = client(o);
  ASSERT_TRUE(eventually([&] { return log.is(redis_link::commands, redis_state::down); })) << log.reasons();
  EXPECT_NE(log.reasons().find("connect failed: "), std::string::npos) << log.reasons();
  EXPECT_EQ(run(*c, {"PING"}).error, redis_errc::unavailable);

  redis_process redis(port);
  ASSERT_TRUE(redis.running()) << redis.output();
  ASSERT_TRUE(eventually([&] { return log.is(redis_link::commands, redis_state::up); }, 20s))
      << log.reasons();
  EXPECT_TRUE(run(*c, {"PING"}).success());
}

TEST_F(RedisClientTest, ResolvesAHostName) {
  redis_process redis;
  ASSERT_TRUE(redis.running()) << redis.output();
  net::redis_options o;
  // localhost may resolve to ::1 first, where this Redis does not listen: the next attempt takes
  // the next address.
  o.endpoint = parse_redis_url("redis://localhost:" + std::to_string(redis.port())).value();
  auto c = connected(o);
  EXPECT_TRUE(run(*c, {"PING"}).success());
}

TEST_F(RedisClientTest, SigpipeIsIgnoredOnceAClientExists) {
  net::redis_options o;
  net::redis_client c(io.context(), o);
  struct sigaction current {};
  ASSERT_EQ(::sigaction(SIGPIPE, nullptr, &current), 0);
  EXPECT_EQ(current.sa_handler, SIG_IGN);
}

TEST_F(RedisClientTest, ACommandWithoutAReplyTimesOutAndTheClientRecovers) {
  redis_process redis;
  ASSERT_TRUE(redis.running()) << redis.output();
  auto opts = options(redis);
  opts.command_timeout = 300ms;
  auto c = connected(opts);
  auto pauser = helper(redis);
  ASSERT_TRUE(run(*pauser, {"CLIENT", "PAUSE", "1500", "ALL"}).success());

  auto o = run(*c, {"GET", "k"});
  EXPECT_EQ(o.error, redis_errc::timeout) << o.error_text;
  EXPECT_NE(o.error_text.find("no reply within 300 ms"), std::string::npos) << o.error_text;
  EXPECT_GE(c->stats().timeouts, 1u);
  ASSERT_TRUE(eventually([&] { return log.is(redis_link::commands, redis_state::down); })) << log.reasons();

  // Once Redis answers again the client reconnects by itself.
  ASSERT_TRUE(eventually([&] { return run(*c, {"PING"}).success(); }, 20s)) << log.reasons();
}

// Each callback's calls, and its last outcome.
struct call_counter {
  std::vector<std::atomic<int>> calls;
  std::vector<redis_errc> errors;
  explicit call_counter(std::size_t n) : calls(n), errors(n, redis_errc::none) {}
  net::redis_client::reply_fn at(std::size_t i) {
    return [this, i](net::redis_outcome o) {
      errors[i] = o.error;
      calls[i].fetch_add(1);
    };
  }
  bool all_once() const {
    for (const auto& c : calls)
      if (c.load() != 1) return false;
    return true;
  }
};

TEST_F(RedisClientTest, DestroyingTheClientCallsEachPendingCallbackOnce) {
  redis_process redis;
  ASSERT_TRUE(redis.running()) << redis.output();
  auto c = connected(options(redis));
  auto pauser = helper(redis);
  ASSERT_TRUE(run(*pauser, {"CLIENT", "PAUSE", "1500", "ALL"}).success());

  call_counter counter(20);
  for (std::size_t i = 0; i < counter.calls.size(); ++i) c->command({"INCR", "n"}, counter.at(i));
  c.reset();  // from this thread while the io thread runs: waits for it
  EXPECT_TRUE(counter.all_once());
  for (auto e : counter.errors) EXPECT_TRUE(e == redis_errc::stopped || e == redis_errc::none);

  // Nothing more arrives once Redis answers again.
  ASSERT_TRUE(eventually([&] { return run(*pauser, {"PING"}).success(); }, 20s));
  EXPECT_TRUE(counter.all_once());
}

TEST_F(RedisClientTest, ACallbackMayDestroyTheClient) {
  redis_process redis;
  ASSERT_TRUE(redis.running()) << redis.output();
  auto c = connected(options(redis));

  call_counter counter(10);
  std::promise<void> destroyed;
  // Issued on the io thread, so that none is answered before all are sent.
  boost::asio::post(io.context(), [&] {
    c->command({"PING"}, [&](net::redis_outcome o) {
      EXPECT_TRUE(o.success());
      c.reset();  // on the io thread, inside a callback, with commands in flight
      destroyed.set_value();
    });
    for (std::size_t i = 0; i < counter.calls.size(); ++i) c->command({"PING"}, counter.at(i));
  });
  ASSERT_EQ(destroyed.get_future().wait_for(20s), std::future_status::ready);
  EXPECT_TRUE(counter.all_once());
  // A command given to a stopped client is answered at once.
  net::redis_client stopped(io.context(), options(redis));
  stopped.stop();
  std::optional<redis_errc> e;
  stopped.command({"PING"}, [&](net::redis_outcome o) { e = o.error; });
  EXPECT_EQ(e, redis_errc::stopped);
}

TEST_F(RedisClientTest, StoppingAfterTheIoThreadStoppedRunsTheCallbacksHere) {
  redis_process redis;
  ASSERT_TRUE(redis.running()) << redis.output();
  auto c = connected(options(redis));
  auto pauser = helper(redis);
  ASSERT_TRUE(run(*pauser, {"CLIENT", "PAUSE", "1500", "ALL"}).success());
  call_counter counter(5);
  for (std::size_t i = 0; i < counter.calls.size(); ++i) c->command({"INCR", "n"}, counter.at(i));
  ASSERT_TRUE(eventually([&] { return c->stats().commands == 5; }));
  io.stop();
  c.reset();
  EXPECT_TRUE(counter.all_once());
  for (auto e : counter.errors) EXPECT_EQ(e, redis_errc::stopped);
  pauser.reset();
}

TEST_F(RedisClientTest, NeverStartedClientsStopWithoutTheIoThread) {
  boost::asio::io_context idle;  // never run
  net::redis_options o;
  o.endpoint = parse_redis_url("redis://127.0.0.1:1").value();
  call_counter counter(3);
  {
    net::redis_client c(idle, o);
    c.start();
    for (std::size_t i = 0; i < counter.calls.size(); ++i) c.command({"PING"}, counter.at(i));
  }
  EXPECT_TRUE(counter.all_once());
  for (auto e : counter.errors) EXPECT_EQ(e, redis_errc::stopped);
}

TEST_F(RedisClientTest, EveryCallbackRunsOnceWhileRedisIsKilledAndRestartedUnderLoad) {
  redis_process redis;
  ASSERT_TRUE(redis.running()) << redis.output();
  auto c = connected(options(redis));
  call_counter counter(100000);
  std::atomic<std::size_t> issued{0};
  std::atomic<int> after_restart{0};
  std::atomic<bool> restarted{false}, feeding{true};
  // About one command per millisecond, from another thread, all along.
  std::thread feeder([&] {
    while (feeding && issued < counter.calls.size()) {
      auto i = issued++;
      auto count = counter.at(i);
      c->command({"INCR", "n"}, [&, count](net::redis_outcome o) {
        if (restarted && o.success()) ++after_restart;
        count(std::move(o));
      });
      std::this_thread::sleep_for(1ms);
    }
  });
  ASSERT_TRUE(eventually([&] { return issued > 100; }));
  redis.kill();
  ASSERT_TRUE(eventually([&] { return log.is(redis_link::commands, redis_state::down); })) << log.reasons();
  ASSERT_TRUE(redis.restart()) << redis.output();
  restarted = true;
  ASSERT_TRUE(eventually([&] { return after_restart > 100; }, 20s)) << log.reasons();
  feeding = false;
  feeder.join();
  c.reset();
  std::size_t n = issued;
  for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(counter.calls[i].load(), 1) << "command " << i;
}

TEST_F(RedisClientTest, CommandsFromManyThreads) {
  redis_process redis;
  ASSERT_TRUE(redis.running()) << redis.output();
  auto c = connected(options(redis));
  constexpr int threads = 4, per_thread = 200;
  std::atomic<int> ok{0}, done{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&] {
      for (int i = 0; i < per_thread; ++i)
        c->command({"INCR", "counter"}, [&](net::redis_outcome o) {
          ok += o.success();
          ++done;
        });
    });
  for (auto& t : ts) t.join();
  ASSERT_TRUE(eventually([&] { return done.load() == threads * per_thread; }, 20s));
  EXPECT_EQ(ok.load(), threads * per_thread);
  EXPECT_EQ(run(*c, {"GET", "counter"}).reply.str, std::to_string(threads * per_thread));
}

}  // namespace
}  // namespace parley::test
