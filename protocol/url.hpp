#pragma once
// Parsed absolute URL for the schemes parley speaks: http, https, ws, wss.

#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/result.hpp"

namespace parley {

struct url {
  std::string scheme;  // lower case: http, https, ws, wss
  std::string host;    // without brackets for IPv6 literals
  uint16_t port = 0;   // explicit or the scheme's default
  std::string target;  // path plus query, at least "/"

  bool tls() const { return scheme == "https" || scheme == "wss"; }
  // "host:port" as used for the Host header and pool keys (IPv6 in brackets).
  std::string authority() const;
  // Scheme, host and port: connections are pooled per origin.
  std::string origin() const;
  // Path of this URL with `suffix` appended; the query string is kept at the end.
  url with_path_suffix(std::string_view suffix) const;
  // Adds `key=value` (value percent-encoded) to the query string.
  url with_query(std::string_view key, std::string_view value) const;
};

result<url> parse_url(std::string_view text);

struct host_port {
  std::string host;  // IPv6 without brackets; "localhost" becomes 127.0.0.1
  uint16_t port = 0;
};

// "host:port" as in a listen address; the error says what is wrong.
result<host_port> parse_host_port(std::string_view text);

std::string percent_encode(std::string_view text);

}  // namespace parley
