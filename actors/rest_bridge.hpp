#pragma once
// The crossing from actors to the net layer for HTTP (DESIGN §2): the request is posted to
// the io thread and its completion comes back as a message to an actor held only weakly.

#include <caf/actor_addr.hpp>
#include <cstdint>
#include <functional>

#include "actors/messages.hpp"
#include "actors/runtime.hpp"
#include "net/http_client.hpp"
#include "protocol/reply_gate.hpp"
#include "protocol/voipbin_requests.hpp"

namespace parley {

// Sends a VoIPBIN REST call through the request scheduler; `to` receives
// (rest_atom, tag, http_reply).
void send_rest(const runtime& rt, const caf::actor_addr& to, uint64_t tag,
               const voipbin::rest_request& request);

// The same, and `on_io` sees the reply on the io thread before it is delivered: for what must
// be recorded even when `to` ends before it reads the reply (a session VoIPBIN just created).
void send_rest(const runtime& rt, const caf::actor_addr& to, uint64_t tag,
               const voipbin::rest_request& request, std::function<void(const http_reply&)> on_io);

// Sends `request`; `to` receives (rest_atom, tag, http_reply).
net::request_handle send_http(const runtime& rt, const caf::actor_addr& to, uint64_t tag,
                              net::http_request request);

// Streams `request`, a model's reply of server-sent events each decoded by `parse`; `to`
// receives (chunk_atom, tag, reply_pieces) as protocol/reply_gate lets them go, then
// (stream_end_atom, tag, http_reply). A non-2xx body is not decoded: it is the reply's body.
net::request_handle stream_reply(const runtime& rt, const caf::actor_addr& to, uint64_t tag,
                                 net::http_request request, reply_gate::parse_fn parse);

// Cluster mode: claims `call_id` for this node (rt.cluster must be set); `to` receives
// (claimed_atom, call id, ours).
void claim_call(const runtime& rt, const caf::actor_addr& to, const std::string& call_id);

// Cluster mode: reads the call's checkpoint; `to` receives (checkpoint_atom, json), the json
// empty when there is none.
void load_checkpoint(const runtime& rt, const caf::actor_addr& to, const std::string& call_id);

}  // namespace parley
