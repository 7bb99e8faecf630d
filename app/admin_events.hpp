#pragma once
// GET /v1/events: the dashboard's live stream (text/event-stream). A stream starts with a
// `snapshot` of every live call, then carries each change of the call journal as it happens
// (`call`, `ended`) and, every second, the process's key figures (`metrics`). Streams whose
// client has gone are dropped at the next tick. Lives on the io thread.

#include <chrono>
#include <memory>

#include "net/http_server.hpp"

namespace boost::asio {
class io_context;
}

namespace parley {

struct metrics;
class call_journal;

class admin_events {
 public:
  admin_events(boost::asio::io_context& io, call_journal& journal, const metrics& stats);
  ~admin_events();
  admin_events(const admin_events&) = delete;
  admin_events& operator=(const admin_events&) = delete;

  // On the io thread: starts the stream on `reply`.
  void open(std::shared_ptr<net::server_reply> reply);
  // Ends every stream and the ticks. Thread-safe.
  void stop();

  struct impl;

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace parley
