#pragma once
// HTTP for plugins: parley's own client (TLS, timeouts, its io thread), so a brain never
// blocks a thread and never needs a library of its own. Part of the extension API.

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace parley::plugin {

struct http_request {
  std::string method = "POST";
  std::string url;  // http:// or https://
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // sent as application/json unless a Content-Type header says otherwise
  int timeout_ms = 10000;
};

struct http_response {
  int status = 0;     // 0 when the request failed below HTTP
  std::string body;   // error bodies included
  std::string error;  // transport failure ("timeout", "connect: ..."), empty when an answer came

  bool ok() const { return error.empty() && status >= 200 && status < 300; }
};

class http_client {
 public:
  virtual ~http_client() = default;
  // Sends `request`. `done` runs later on the caller's own thread (the brain's), never inside
  // send(); not at all once cancelled. Returns the id cancel() takes.
  virtual uint64_t send(http_request request, std::function<void(http_response)> done) = 0;
  // Aborts the request (its connection is closed); unknown or finished ids are ignored.
  virtual void cancel(uint64_t id) = 0;
};

}  // namespace parley::plugin
