#include "app/admin_auth.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

namespace parley {

namespace {

std::array<unsigned char, 32> sha256(std::string_view text) {
  std::array<unsigned char, 32> out{};
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), out.data());
  return out;
}

// The value of `name` in a Cookie header ("a=1; b=2"), empty when absent.
std::string_view cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    auto end = header.find(';');
    auto pair = header.substr(0, end);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    if (pair.size() > name.size() && pair.substr(0, name.size()) == name && pair[name.size()] == '=')
      return pair.substr(name.size() + 1);
    if (end == std::string_view::npos) break;
    header.remove_prefix(end + 1);
  }
  return {};
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Cookie values are percent-encoded by the page (encodeURIComponent).
std::string percent_decoded(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      int hi = hex_digit(text[i + 1]), lo = hex_digit(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

}  // namespace

admin_auth::admin_auth(std::string_view token, bool open_metrics)
    : required_(!token.empty()), open_metrics_(open_metrics), digest_(sha256(token)) {}

bool admin_auth::matches(std::string_view presented) const {
  auto d = sha256(presented);
  return CRYPTO_memcmp(d.data(), digest_.data(), d.size()) == 0;
}

bool admin_auth::allows(const net::server_request& req) const {
  if (!required_) return true;
  auto header = net::find_header(req.headers, "Authorization");
  constexpr std::string_view bearer = "Bearer ";
  if (header.size() > bearer.size() && header.compare(0, bearer.size(), bearer) == 0)
    return matches(std::string_view(header).substr(bearer.size()));
  if (req.method != "GET" && req.method != "HEAD") return false;
  auto cookies = net::find_header(req.headers, "Cookie");  // the value below points into it
  auto cookie = cookie_value(cookies, "parley_admin_token");
  return !cookie.empty() && matches(percent_decoded(cookie));
}

}  // namespace parley
