#pragma once
// Redis client for cluster mode: hiredis's async API driven from the io_context, with a
// connection that keeps itself up (reconnect with backoff), a per-command timeout, and
// pub/sub on a second, dedicated connection that re-subscribes after every reconnect.
//
// Threads: command(), publish(), subscribe(), unsubscribe(), start() and stop() are safe from any
// thread. The io_context must be run by one thread (like the rest of net/). Callbacks run on the
// io thread, never inside a hiredis call, so a callback may call anything here, stop() and the
// destructor included.
//
// hiredis writes with write(2): constructing a client sets SIGPIPE to SIG_IGN for the process
// if it was SIG_DFL (a write to a connection Redis closed would kill the process otherwise).
//
// Callbacks of commands run exactly once: with the reply, or with a transport failure
// (unavailable, connection lost, timeout, stopped). After stop() or the destructor has returned,
// no callback runs any more.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/redis_reply.hpp"
#include "protocol/redis_url.hpp"

namespace boost::asio {
class io_context;
}

namespace parley::net {

struct redis_options {
  redis_endpoint endpoint;  // parse_redis_url(cluster.redis-url)
  std::string username;     // Redis 6 ACL user; empty: AUTH with the password alone
  std::string password;     // empty: no AUTH. Never in a log line or an error text.
  // No reply within this time: the command fails with `timeout`, and the connection, which Redis
  // answers in order, is dropped and made again (every command on it fails with `timeout`).
  std::chrono::milliseconds command_timeout{2000};
  // Resolve, connect and the handshake (AUTH, SELECT, PING; SUBSCRIBE on the pub/sub connection).
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds initial_backoff{100};  // doubled after each failed attempt, with jitter
  std::chrono::milliseconds max_backoff{2000};
  std::size_t max_in_flight = 10000;  // commands sent and not answered; more fail with `overloaded`
};

// Why a command got no reply. A reply that is a Redis error is not one of these: it arrives
// with `none` and reply.is_error().
enum class redis_errc {
  none,
  unavailable,      // not connected (connecting, or down after a failure): failed at once, not queued
  connection_lost,  // the connection broke after the command was sent: it may or may not have run
  timeout,          // no reply within command_timeout: it may or may not have run
  stopped,          // the client was stopped or destroyed
  overloaded,       // max_in_flight commands were waiting
  invalid,          // not a command this client sends (empty, or SUBSCRIBE and friends)
};

std::string_view to_string(redis_errc e);

struct redis_outcome {
  redis_errc error = redis_errc::none;
  std::string error_text;  // for logs; never contains the password
  redis_reply reply;       // when error == none

  // A reply arrived; it may still be an error reply.
  bool ok() const { return error == redis_errc::none; }
  // A reply arrived and it is not an error reply.
  bool success() const { return ok() && !reply.is_error(); }
  // error_text, or the error reply's text, or "" on success.
  std::string failure_text() const;
};

// The client has two connections: one for commands (its state is the client's readiness) and,
// from the first subscribe() on, one for pub/sub.
enum class redis_link { commands, subscriber };
enum class redis_state { down, up };

class redis_client {
 public:
  using reply_fn = std::function<void(redis_outcome)>;
  using message_fn = std::function<void(const std::string& channel, std::string message)>;
  // `up`: connected, authenticated, db selected; for the subscriber also every channel
  // confirmed. `down` carries the reason (also reported once when the first attempt fails).
  // Only changes are reported.
  using state_fn = std::function<void(redis_link, redis_state, const std::string& reason)>;

  redis_client(boost::asio::io_context& io, redis_options options, state_fn on_state = {});
  ~redis_client();  // stop()
  redis_client(const redis_client&) = delete;
  redis_client& operator=(const redis_client&) = delete;

  // Connects, and from then on reconnects by itself after any failure until stop().
  void start();

  // Sends one command, e.g. {"SET", key, value}; each argument is sent as is (binary safe).
  // Fails at once with `unavailable` while the commands connection is not up. A callback given to
  // a stopped client is called at once, on the calling thread, with `stopped`.
  void command(std::vector<std::string> args, reply_fn done);
  // PUBLISH channel message; the reply is the number of subscribers that got it.
  void publish(std::string channel, std::string message, reply_fn done = {});

  // Delivers each message published on `channel` to `on_message` (one callback per channel; a
  // second subscribe replaces it). The subscription holds across reconnects, but messages
  // published while the subscriber connection is down are lost (Redis pub/sub keeps nothing).
  void subscribe(std::string channel, message_fn on_message);
  void unsubscribe(std::string channel);

  // Closes both connections; the callbacks of commands not answered yet run with `stopped`
  // before it returns, and no callback runs after. From another thread it waits for the io
  // thread (which must be running or stopped). Idempotent; the client cannot be started again.
  void stop();

  struct counters {
    uint64_t connects = 0;  // connections that completed the handshake (both links)
    uint64_t commands = 0;  // commands sent to Redis
    uint64_t timeouts = 0;  // commands that failed with `timeout`
  };
  // Read on the io thread, or after stop().
  counters stats() const;

 private:
  struct session;
  std::shared_ptr<session> s_;
};

}  // namespace parley::net
