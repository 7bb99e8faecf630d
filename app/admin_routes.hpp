#pragma once
// The admin HTTP endpoints: GET /healthz and GET /metrics (Prometheus text).

#include "net/http_server.hpp"

namespace parley {

struct metrics;

net::request_handler admin_routes(const metrics& stats);

}  // namespace parley
