#pragma once
// Outgoing HTTP/1.1 with a keep-alive pool per origin, TLS with verification, a deadline per
// request, streaming bodies (SSE) and cancel. Every socket lives on the io thread; the public
// calls are safe from any thread and the callbacks run on the io thread.

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "net/http_types.hpp"

namespace boost::asio {
class io_context;
namespace ssl {
class context;
}
}  // namespace boost::asio

namespace parley::net {

class exchange;
struct client_pool;

// Refers to one request in flight. Copyable; cancel() after completion does nothing.
class request_handle {
 public:
  request_handle() = default;
  // Aborts the request: the socket is closed on the io thread and `done` reports cancelled.
  void cancel() const;

 private:
  friend class http_client;
  explicit request_handle(std::weak_ptr<exchange> ex) : ex_(std::move(ex)) {}
  std::weak_ptr<exchange> ex_;
};

class http_client {
 public:
  using done_fn = std::function<void(http_outcome)>;
  using chunk_fn = std::function<void(std::string_view)>;

  http_client(boost::asio::io_context& io, std::shared_ptr<boost::asio::ssl::context> tls);
  ~http_client();

  // The whole response arrives in `done`.
  request_handle send(http_request request, done_fn done);
  // A 2xx body is handed to `on_chunk` as it arrives and `done` gets the status and headers;
  // any other status is read whole and given to `done` with its body.
  request_handle stream(http_request request, chunk_fn on_chunk, done_fn done);

  struct counters {
    uint64_t connects = 0;  // new connections opened
    uint64_t reuses = 0;    // requests sent on a pooled connection
  };
  counters stats() const;

 private:
  std::shared_ptr<client_pool> pool_;
};

}  // namespace parley::net
