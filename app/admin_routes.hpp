#pragma once
// The admin HTTP endpoints: GET /healthz (liveness), GET /readyz (readiness: 200 while parley
// can take calls, else 503 with the reason) and GET /metrics (Prometheus text).

#include "net/http_server.hpp"

namespace parley {

struct metrics;
struct readiness;

net::request_handler admin_routes(const metrics& stats, const readiness& ready);

}  // namespace parley
