#pragma once
// Outbound calls (POST /v1/calls of the admin API, docs/operations.md): the operator's request
// checked field by field, the VoIPBIN request that places the calls (voipbin-api.md §4.3) and
// what VoIPBIN answered. Pure data, no I/O.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/result.hpp"
#include "protocol/voipbin_requests.hpp"

namespace parley::outbound {

struct call_request {
  nlohmann::json source;                     // a VoIPBIN Address: {"type", "target", ...}
  std::vector<nlohmann::json> destinations;  // Addresses, at least one
  std::string profile = "default";           // the agent profile that answers
  std::string flow_id;                       // empty: parley's own flow keeps the call up
};

// The request body, checked: every problem is named with its field (for a 400).
// `profiles` are the configured profile names besides "default".
result<call_request> parse_call_request(std::string_view body, const std::vector<std::string>& profiles);

// POST /calls: with the caller's flow, or, without one, a flow that keeps the call up while the
// agent talks (a `sleep` of `keep_up_ms`: VoIPBIN hangs the call up when its flow ends, §4.3).
voipbin::rest_request place_calls(const call_request& request, int64_t keep_up_ms);

struct placed_calls {
  std::vector<std::string> calls;       // tel and sip destinations
  std::vector<std::string> groupcalls;  // agent and extension destinations (§4.3)
};

// VoIPBIN's answer to POST /calls.
result<placed_calls> parse_placed_calls(std::string_view body);

}  // namespace parley::outbound
