#pragma once
// Where the Redis of cluster mode is: `redis://host:port/db`. The password is not part of it
// (it comes from REDIS_PASSWORD), so an endpoint is always safe to log.

#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/result.hpp"

namespace parley {

struct redis_endpoint {
  std::string host;  // IPv6 literals without brackets
  uint16_t port = 6379;
  int db = 0;

  // "redis://host:port/db", IPv6 in brackets.
  std::string to_string() const;
  bool operator==(const redis_endpoint&) const = default;
};

// Parses `redis://host[:port][/db]`: port 6379 and db 0 by default. Other schemes (rediss://
// included: no TLS), credentials in the URL, a query, a bad port or db are errors, and the error
// never repeats the URL.
result<redis_endpoint> parse_redis_url(std::string_view text);

}  // namespace parley
