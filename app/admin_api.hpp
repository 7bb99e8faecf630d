#pragma once
// The admin API's call routes (docs/operations.md#admin-api): live calls and their
// conversations from the call journal, outbound calls through VoIPBIN's POST /calls, and
// hangups. Errors are JSON: {"error":{"code","message"}}.

#include <memory>
#include <string>

#include "app/admin_routes.hpp"
#include "net/http_server.hpp"

namespace parley::admin_api {

net::http_response json_reply(int status, const std::string& json);
net::http_response error_reply(int status, std::string_view code, std::string_view message);

// GET /v1/calls
net::http_response list_calls(const admin_services& s);
// GET /v1/calls/{id}
net::http_response get_call(const admin_services& s, const std::string& call_id);
// POST /v1/calls: answers once VoIPBIN has (on the io thread).
void place_calls(const admin_services& s, const net::server_request& req,
                 std::shared_ptr<net::server_reply> reply);
// POST /v1/calls/{id}/hangup
net::http_response hang_up(const admin_services& s, const std::string& call_id);

}  // namespace parley::admin_api
