#pragma once
// Who may use the admin server (admin.token, docs/operations.md#admin-api): a bearer token,
// compared in constant time. GET requests may carry it in the cookie parley_admin_token
// instead, because the dashboard's EventSource cannot send headers; requests that change
// something (POST) must send the header, so another site cannot make a browser send them.

#include <array>
#include <string>
#include <string_view>

#include "net/http_server.hpp"

namespace parley {

class admin_auth {
 public:
  // An empty token lets everyone in (parley refuses that unless admin.listen is loopback).
  admin_auth(std::string_view token, bool open_metrics);

  bool required() const { return required_; }
  // /healthz, /readyz and /metrics: open with admin.open-metrics.
  bool open_metrics() const { return open_metrics_; }
  bool allows(const net::server_request& req) const;

 private:
  bool matches(std::string_view presented) const;

  bool required_ = false;
  bool open_metrics_ = true;
  std::array<unsigned char, 32> digest_{};  // SHA-256 of the token: equal lengths to compare
};

}  // namespace parley
