#pragma once
// WebSocket client (ws:// and wss://) that keeps itself connected: after any failure it
// waits with exponential backoff plus jitter and connects again. The owner re-subscribes in
// on_open. Callbacks run on the io thread.

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "net/http_types.hpp"

namespace boost::asio {
class io_context;
namespace ssl {
class context;
}
}  // namespace boost::asio

namespace parley::net {

struct ws_options {
  url target;  // may carry credentials in the query: never logged
  http_headers headers;
  std::chrono::milliseconds initial_backoff{1000};
  std::chrono::milliseconds max_backoff{30000};
  std::chrono::seconds idle_timeout{60};  // no frame (ping included) for this long: reconnect
  std::size_t max_queue = 4096;           // outgoing frames held while a write is in flight
  std::size_t max_frame = 1024 * 1024;    // a bigger incoming message drops the connection
};

struct ws_callbacks {
  std::function<void()> on_open;
  std::function<void(std::string)> on_message;
  // A connection (or attempt) ended; `retry_in` is the wait before the next attempt.
  std::function<void(const std::string& reason, std::chrono::milliseconds retry_in)> on_close;
  // The server answered the upgrade with this HTTP status instead of 101 (401: the credentials
  // were refused); on_close follows, and the client keeps retrying.
  std::function<void(int status)> on_refused;
};

// Backoff before attempt `failures` (1-based): initial * 2^(failures-1), capped, then scaled
// by `jitter` in [0.5, 1].
std::chrono::milliseconds backoff_delay(std::chrono::milliseconds initial, std::chrono::milliseconds cap,
                                        int failures, double jitter);

class ws_client {
 public:
  ws_client(boost::asio::io_context& io, std::shared_ptr<boost::asio::ssl::context> tls, ws_options options,
            ws_callbacks callbacks);
  ~ws_client();  // calls stop()

  void start();
  // Queues a text frame; dropped when not connected (the owner re-sends state in on_open).
  void send(std::string text);
  // Closes the connection and stops reconnecting. Safe from any thread.
  void stop();

 private:
  struct session;
  std::shared_ptr<session> s_;
};

}  // namespace parley::net
