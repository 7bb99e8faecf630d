#include "app/admin_routes.hpp"

#include "protocol/metrics.hpp"
#include "protocol/readiness.hpp"

namespace parley {

net::request_handler admin_routes(const metrics& stats, const readiness& ready) {
  return [&stats, &ready](net::server_request req, std::shared_ptr<net::server_reply> reply) {
    net::http_response r;
    if (req.method != "GET" && req.method != "HEAD") {
      r.status = 405;
      r.headers.push_back({"Allow", "GET"});
    } else if (req.path() == "/healthz") {
      r.status = 200;
      r.headers.push_back({"Content-Type", "application/json"});
      r.body = "{\"status\":\"ok\",\"active_calls\":" + std::to_string(stats.active_calls.value()) + "}";
    } else if (req.path() == "/readyz") {
      auto v = ready.check(stats.active_calls.value());
      r.status = v.ready ? 200 : 503;
      r.headers.push_back({"Content-Type", "application/json"});
      r.body = to_json(v);
    } else if (req.path() == "/metrics") {
      r.status = 200;
      r.headers.push_back({"Content-Type", "text/plain; version=0.0.4"});
      r.body = stats.render();
    } else {
      r.status = 404;
      r.body = "not found\n";
    }
    reply->respond(std::move(r));
  };
}

}  // namespace parley
