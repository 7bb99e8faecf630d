#include "app/webhook_routes.hpp"

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "protocol/metrics.hpp"
#include "protocol/webhook_signature.hpp"

namespace parley {

net::request_handler webhook_routes(std::string path, std::string secret, metrics& stats,
                                    std::function<void(std::string)> deliver) {
  return [path = std::move(path), secret = std::move(secret), &stats, deliver = std::move(deliver)](
             net::server_request req, std::shared_ptr<net::server_reply> reply) {
    auto answer = [&](int status, const char* text) {
      stats.webhook_requests_total.inc("status=\"" + std::to_string(status) + "\"");
      reply->respond({status, {{"Content-Type", "text/plain"}}, text});
    };
    if (req.path() != path) return answer(404, "not found\n");
    if (req.method != "POST" && req.method != "PUT") return answer(405, "use POST\n");
    auto signature = net::find_header(req.headers, "x-voipbin-signature");
    if (signature.empty() || !voipbin::verify_webhook_signature(secret, req.body, signature)) {
      spdlog::warn("webhook refused: {} signature ({} bytes)", signature.empty() ? "missing" : "wrong",
                   req.body.size());
      return answer(401, "bad signature\n");
    }
    auto j = nlohmann::json::parse(req.body, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("type") || !j["type"].is_string() ||
        !j.contains("data") || !j["data"].is_object()) {
      stats.events_invalid_total.inc();
      spdlog::warn("webhook refused: body is not a {{type, data}} object ({} bytes)", req.body.size());
      return answer(400, "body must be {\"type\":…,\"data\":{…}}\n");
    }
    answer(200, "ok\n");
    deliver(std::move(req.body));
  };
}

}  // namespace parley
