#include "app/webhook_routes.hpp"

#include <spdlog/spdlog.h>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "protocol/metrics.hpp"
#include "protocol/webhook_signature.hpp"

namespace parley {

namespace {

// A flood of bad deliveries must not flood the log: warn the first time, then every 1000th.
void log_refused(std::map<std::string, uint64_t>& counts, const std::string& reason, std::size_t bytes) {
  auto n = ++counts[reason];
  if (n == 1 || n % 1000 == 0)
    spdlog::warn("webhook refused: {} ({} bytes; {} so far)", reason, bytes, n);
  else
    spdlog::debug("webhook refused: {} ({} bytes)", reason, bytes);
}

}  // namespace

net::request_handler webhook_routes(std::string path, std::string secret, metrics& stats,
                                    std::function<void(std::string)> deliver) {
  // Counts per reason; the handler runs on the io thread only.
  auto refusals = std::make_shared<std::map<std::string, uint64_t>>();
  // Each status's series, found once: a delivery builds no label and takes no lock.
  auto counted = std::make_shared<std::map<int, counter*>>();
  return [path = std::move(path), secret = std::move(secret), &stats, deliver = std::move(deliver), refusals,
          counted](net::server_request req, std::shared_ptr<net::server_reply> reply) {
    auto answer = [&](int status, const char* text) {
      auto& series = (*counted)[status];
      if (!series) series = &stats.webhook_requests_total.series("status=\"" + std::to_string(status) + "\"");
      series->inc();
      reply->respond({status, {{"Content-Type", "text/plain"}}, text});
    };
    if (req.path() != path) return answer(404, "not found\n");
    if (req.method != "POST" && req.method != "PUT") return answer(405, "use POST\n");
    auto signature = net::find_header(req.headers, "x-voipbin-signature");
    if (signature.empty() || !voipbin::verify_webhook_signature(secret, req.body, signature)) {
      log_refused(*refusals, signature.empty() ? "missing signature" : "wrong signature", req.body.size());
      return answer(401, "bad signature\n");
    }
    auto j = nlohmann::json::parse(req.body, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("type") || !j["type"].is_string() ||
        !j.contains("data") || !j["data"].is_object()) {
      stats.events_invalid_total.inc();
      log_refused(*refusals, "body is not a {type, data} object", req.body.size());
      return answer(400, "body must be {\"type\":…,\"data\":{…}}\n");
    }
    answer(200, "ok\n");
    deliver(std::move(req.body));
  };
}

}  // namespace parley
