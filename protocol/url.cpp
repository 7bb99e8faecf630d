#include "protocol/url.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace parley {

namespace {

uint16_t default_port(std::string_view scheme) {
  return (scheme == "https" || scheme == "wss") ? 443 : 80;
}

}  // namespace

std::string url::authority() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

std::string url::origin() const {
  return scheme + "://" + authority();
}

url url::with_path_suffix(std::string_view suffix) const {
  url out = *this;
  auto q = target.find('?');
  std::string path = target.substr(0, q);
  std::string query = q == std::string::npos ? "" : target.substr(q);
  if (!path.empty() && path.back() == '/' && !suffix.empty() && suffix.front() == '/') path.pop_back();
  out.target = path + std::string(suffix) + query;
  return out;
}

url url::with_query(std::string_view key, std::string_view value) const {
  url out = *this;
  out.target += (target.find('?') == std::string::npos) ? '?' : '&';
  out.target += percent_encode(key);
  out.target += '=';
  out.target += percent_encode(value);
  return out;
}

result<host_port> parse_host_port(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return fail("'" + std::string(text) + "' is not host:port");
  host_port out;
  out.host = std::string(text.substr(0, colon));
  if (out.host.size() >= 2 && out.host.front() == '[' && out.host.back() == ']')
    out.host = out.host.substr(1, out.host.size() - 2);
  if (out.host == "localhost") out.host = "127.0.0.1";
  if (out.host.empty()) return fail("missing host in '" + std::string(text) + "'");
  auto port_text = text.substr(colon + 1);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() || port > 65535)
    return fail("invalid port '" + std::string(port_text) + "' in '" + std::string(text) + "'");
  out.port = static_cast<uint16_t>(port);
  return out;
}

std::string percent_encode(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0xF];
    }
  }
  return out;
}

result<url> parse_url(std::string_view text) {
  url out;
  auto sep = text.find("://");
  if (sep == std::string_view::npos || sep == 0)
    return fail("missing scheme (expected e.g. https://host/path)");
  out.scheme = std::string(text.substr(0, sep));
  std::transform(out.scheme.begin(), out.scheme.end(), out.scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (out.scheme != "http" && out.scheme != "https" && out.scheme != "ws" && out.scheme != "wss")
    return fail("unsupported scheme '" + out.scheme + "'");
  auto rest = text.substr(sep + 3);
  auto slash = rest.find_first_of("/?");
  auto authority = rest.substr(0, slash);
  out.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (!out.target.empty() && out.target.front() == '?') out.target.insert(0, "/");
  if (authority.find('@') != std::string_view::npos) return fail("credentials in the URL are not supported");
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return fail("unterminated IPv6 literal");
    out.host = std::string(authority.substr(1, close - 1));
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return fail("garbage after IPv6 literal");
      port_text = after.substr(1);
    }
  } else {
    auto colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (out.host.empty()) return fail("missing host");
  for (unsigned char c : out.host)
    if (std::isspace(c) || c == '/' || c == '#') return fail("invalid host");
  if (port_text.empty()) {
    out.port = default_port(out.scheme);
  } else {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || value == 0 || value > 65535)
      return fail("invalid port '" + std::string(port_text) + "'");
    out.port = static_cast<uint16_t>(value);
  }
  for (unsigned char c : out.target)
    if (std::isspace(c)) return fail("whitespace in path");
  return out;
}

}  // namespace parley
