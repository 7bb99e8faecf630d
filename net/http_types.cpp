#include "net/http_types.hpp"

#include <strings.h>

namespace parley::net {

std::string find_header(const http_headers& headers, std::string_view name) {
  for (const auto& h : headers)
    if (h.name.size() == name.size() && strncasecmp(h.name.data(), name.data(), name.size()) == 0)
      return h.value;
  return {};
}

std::string_view to_string(net_errc e) {
  switch (e) {
    case net_errc::none:
      return "ok";
    case net_errc::cancelled:
      return "cancelled";
    case net_errc::timeout:
      return "timeout";
    case net_errc::resolve:
      return "resolve";
    case net_errc::connect:
      return "connect";
    case net_errc::tls:
      return "tls";
    case net_errc::io:
      return "io";
    case net_errc::protocol:
      return "protocol";
    case net_errc::too_large:
      return "too_large";
    case net_errc::queue_full:
      return "queue_full";
  }
  return "unknown";
}

}  // namespace parley::net
