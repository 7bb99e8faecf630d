#pragma once
// The webhook receiver (events.mode webhook or both): VoIPBIN POSTs {"type","data"} bodies
// signed with the customer's webhook secret (voipbin-api.md §6.1).
//
// A request is answered at once and handled asynchronously: 401 without acting when the
// signature is missing or wrong, 400 for a body that is not a {type, data} JSON object, 200
// otherwise, after which `deliver` gets the body (the gateway drops duplicates, so retried
// deliveries and the same event from the WebSocket are acted on once). Bodies over the
// server's limit get 413 from the HTTP server.

#include <functional>
#include <string>

#include "net/http_server.hpp"

namespace parley {

struct metrics;

net::request_handler webhook_routes(std::string path, std::string secret, metrics& stats,
                                    std::function<void(std::string body)> deliver);

}  // namespace parley
