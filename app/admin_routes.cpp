#include "app/admin_routes.hpp"

#include "app/admin_api.hpp"
#include "app/admin_auth.hpp"
#include "app/admin_events.hpp"
#include "app/dashboard_page.hpp"
#include "protocol/metrics.hpp"
#include "protocol/readiness.hpp"

namespace parley {

const std::vector<std::string_view>& admin_route_names() {
  static const std::vector<std::string_view> names = {
      "GET /",          "GET /healthz",       "GET /readyz",    "GET /metrics",
      "GET /v1/calls",  "GET /v1/calls/{id}", "POST /v1/calls", "POST /v1/calls/{id}/hangup",
      "GET /v1/events",
  };
  return names;
}

namespace {

using admin_api::error_reply;
using admin_api::json_reply;

net::http_response method_not_allowed(std::string_view allow) {
  auto r = error_reply(405, "method_not_allowed", "use " + std::string(allow));
  r.headers.push_back({"Allow", std::string(allow)});
  return r;
}

// The call id of /v1/calls/{id}[/rest], and the rest ("" or "/hangup").
std::pair<std::string, std::string> call_path(std::string_view path) {
  path.remove_prefix(std::string_view("/v1/calls/").size());
  auto slash = path.find('/');
  if (slash == std::string_view::npos) return {std::string(path), {}};
  return {std::string(path.substr(0, slash)), std::string(path.substr(slash))};
}

bool is_get(const net::server_request& req) {
  return req.method == "GET" || req.method == "HEAD";
}

// /healthz, /readyz and /metrics; nothing when `path` is none of them.
std::optional<net::http_response> probe(const admin_services& s, const net::server_request& req) {
  auto path = req.path();
  if (path != "/healthz" && path != "/readyz" && path != "/metrics") return std::nullopt;
  if (!is_get(req)) return method_not_allowed("GET");
  if (path == "/healthz")
    return json_reply(
        200, "{\"status\":\"ok\",\"active_calls\":" + std::to_string(s.stats->active_calls.value()) + "}");
  if (path == "/readyz") {
    auto v = s.ready->check(s.stats->active_calls.value());
    return json_reply(v.ready ? 200 : 503, to_json(v));
  }
  return net::http_response{200, {{"Content-Type", "text/plain; version=0.0.4"}}, s.stats->render()};
}

void api(const admin_services& s, const net::server_request& req, std::shared_ptr<net::server_reply> reply) {
  auto path = req.path();
  if (path == "/v1/events") {
    if (!is_get(req)) return reply->respond(method_not_allowed("GET"));
    return s.events->open(std::move(reply));
  }
  if (path == "/v1/calls") {
    if (req.method == "POST") return admin_api::place_calls(s, req, std::move(reply));
    if (!is_get(req)) return reply->respond(method_not_allowed("GET, POST"));
    return reply->respond(admin_api::list_calls(s));
  }
  if (path.rfind("/v1/calls/", 0) == 0) {
    auto [id, rest] = call_path(path);
    if (!id.empty() && rest.empty()) {
      if (!is_get(req)) return reply->respond(method_not_allowed("GET"));
      return reply->respond(admin_api::get_call(s, id));
    }
    if (!id.empty() && rest == "/hangup") {
      if (req.method != "POST") return reply->respond(method_not_allowed("POST"));
      return reply->respond(admin_api::hang_up(s, id));
    }
  }
  reply->respond(
      error_reply(404, "not_found", "no route " + std::string(path) + " (docs/operations.md#admin-api)"));
}

}  // namespace

net::request_handler admin_routes(admin_services services) {
  return [s = std::move(services)](net::server_request req, std::shared_ptr<net::server_reply> reply) {
    // The page holds no data: it asks for the token and reads the API with it.
    if (req.path() == "/") {
      if (!is_get(req)) return reply->respond(method_not_allowed("GET"));
      return reply->respond({200,
                             {{"Content-Type", "text/html; charset=utf-8"},
                              {"Cache-Control", "no-cache"},
                              {"X-Frame-Options", "DENY"},
                              {"X-Content-Type-Options", "nosniff"}},
                             std::string(dashboard_page())});
    }
    if (auto r = probe(s, req)) {
      if (!s.auth->open_metrics() && !s.auth->allows(req))
        return reply->respond(error_reply(401, "unauthorized", "send Authorization: Bearer <admin.token>"));
      return reply->respond(std::move(*r));
    }
    if (!s.auth->allows(req)) {
      auto r = error_reply(401, "unauthorized", "send Authorization: Bearer <admin.token>");
      r.headers.push_back({"WWW-Authenticate", "Bearer"});
      return reply->respond(std::move(r));
    }
    api(s, req, std::move(reply));
  };
}

}  // namespace parley
