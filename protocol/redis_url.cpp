#include "protocol/redis_url.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace parley {

std::string redis_endpoint::to_string() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return "redis://" + h + ":" + std::to_string(port) + "/" + std::to_string(db);
}

result<redis_endpoint> parse_redis_url(std::string_view text) {
  constexpr std::string_view expected = " (expected redis://host:port/db)";
  auto sep = text.find("://");
  if (sep == std::string_view::npos || sep == 0)
    return fail("missing scheme in the redis URL" + std::string(expected));
  std::string scheme(text.substr(0, sep));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (scheme == "rediss") return fail("rediss:// (Redis over TLS) is not supported; use redis://");
  if (scheme != "redis")
    return fail("unsupported scheme '" + scheme + "' in the redis URL" + std::string(expected));
  auto rest = text.substr(sep + 3);
  for (unsigned char c : rest)
    if (std::isspace(c) || std::iscntrl(c)) return fail("whitespace in the redis URL");
  auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  // The part before '@' would be a password: say what is wrong without repeating any of it.
  if (authority.find('@') != std::string_view::npos)
    return fail("credentials in the redis URL are not supported: put the password in REDIS_PASSWORD");
  if (rest.find_first_of("?#") != std::string_view::npos)
    return fail("a query or fragment in the redis URL is not supported" + std::string(expected));

  redis_endpoint out;
  std::string_view port_text;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return fail("unterminated IPv6 literal in the redis URL");
    out.host = std::string(authority.substr(1, close - 1));
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return fail("garbage after the IPv6 literal in the redis URL");
      port_text = after.substr(1);
      has_port = true;
    }
  } else {
    auto colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      has_port = true;
    }
  }
  if (out.host.empty()) return fail("missing host in the redis URL" + std::string(expected));
  if (has_port) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (port_text.empty() || ec != std::errc{} || end != port_text.data() + port_text.size() || value == 0 ||
        value > 65535)
      return fail("invalid port '" + std::string(port_text) + "' in the redis URL (expected 1-65535)");
    out.port = static_cast<uint16_t>(value);
  }
  if (slash != std::string_view::npos) {
    auto db_text = rest.substr(slash + 1);
    if (!db_text.empty()) {
      int value = -1;
      auto [end, ec] = std::from_chars(db_text.data(), db_text.data() + db_text.size(), value);
      if (ec != std::errc{} || end != db_text.data() + db_text.size() || value < 0)
        return fail("invalid database '" + std::string(db_text) +
                    "' in the redis URL (expected a number, e.g. redis://host:6379/0)");
      out.db = value;
    }
  }
  return out;
}

}  // namespace parley
