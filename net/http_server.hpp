#pragma once
// Small HTTP/1.1 server for the admin endpoints, the webhook receiver and the simulators.
// Replies may be given later and from any thread; streamed (chunked) replies are supported,
// and WebSocket upgrades can be accepted.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "net/http_types.hpp"
#include "protocol/result.hpp"

namespace boost::asio {
class io_context;
}

namespace parley::net {

struct server_request {
  std::string method;
  std::string target;  // path and query as sent
  http_headers headers;
  std::string body;

  std::string path() const { return target.substr(0, target.find('?')); }
  // Value of a query parameter (percent-decoded), empty when absent.
  std::string query(std::string_view key) const;
};

// The reply channel of one request. Every call is thread-safe and posts to the io thread.
class server_reply {
 public:
  virtual ~server_reply() = default;
  virtual void respond(http_response response) = 0;
  // Chunked reply: start, any number of chunks, end.
  virtual void start_stream(int status, http_headers headers) = 0;
  virtual void write_chunk(std::string data) = 0;
  virtual void end_stream() = 0;
  // True once the connection is gone (the client left); later writes are dropped.
  virtual bool closed() const = 0;
  // Closes the connection without finishing the reply (for fault injection).
  virtual void drop() = 0;
};

// The server end of an accepted WebSocket. Thread-safe.
class ws_peer {
 public:
  virtual ~ws_peer() = default;
  virtual void send(std::string text) = 0;
  virtual void close() = 0;
};

// Held by the session: capture the peer only weakly, or the session never dies.
struct ws_peer_callbacks {
  std::function<void(std::string)> on_message;
  std::function<void()> on_close;
};

using request_handler = std::function<void(server_request, std::shared_ptr<server_reply>)>;
// Called for a WebSocket upgrade. Return callbacks to accept it, or an HTTP response to refuse.
using upgrade_handler = std::function<std::variant<ws_peer_callbacks, http_response>(
    const server_request&, std::shared_ptr<ws_peer>)>;

class http_server {
 public:
  struct options {
    std::string host = "127.0.0.1";
    uint16_t port = 0;  // 0: any free port
    std::size_t body_limit = 1024 * 1024;
    // WebSocket peers are pinged after half of this without traffic, and dropped after all
    // of it without an answer.
    std::chrono::milliseconds ws_idle_timeout{60000};
  };

  // Binds at once, so "address in use" is reported here, before anything runs.
  static result<std::shared_ptr<http_server>> listen(boost::asio::io_context& io, options o,
                                                     request_handler on_request,
                                                     upgrade_handler on_upgrade = {});
  ~http_server();

  uint16_t port() const;
  // Stops accepting and closes every open connection. Thread-safe.
  void stop();

  struct impl;

 private:
  explicit http_server(std::shared_ptr<impl> i) : impl_(std::move(i)) {}
  std::shared_ptr<impl> impl_;
};

// "host:port" with an optional "[v6]" host; errors name what is wrong.
result<std::pair<std::string, uint16_t>> parse_listen_address(std::string_view text);

}  // namespace parley::net
