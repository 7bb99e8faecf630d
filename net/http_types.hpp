#pragma once
// Plain request/response values exchanged with the net layer. No Asio in here.

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/url.hpp"

namespace parley::net {

struct http_header {
  std::string name;
  std::string value;
};

using http_headers = std::vector<http_header>;

// Case-insensitive header lookup; empty when absent.
std::string find_header(const http_headers& headers, std::string_view name);

struct http_request {
  std::string method = "GET";
  url target;
  http_headers headers;
  std::string body;  // sent with Content-Type application/json unless a header says otherwise
  // Whole exchange for plain requests; the longest gap between bytes for streams.
  std::chrono::milliseconds timeout{10000};
  // Runs on the io thread once the request has been written to the socket (for latency stamps).
  std::function<void()> on_written;
};

struct http_response {
  int status = 0;
  http_headers headers;
  std::string body;
};

enum class net_errc { none, cancelled, timeout, resolve, connect, tls, io, protocol, too_large, queue_full };

struct http_outcome {
  net_errc error = net_errc::none;
  std::string error_text;  // for logs; never contains credentials
  http_response response;

  bool ok() const { return error == net_errc::none; }
};

std::string_view to_string(net_errc e);

}  // namespace parley::net
