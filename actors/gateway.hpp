#pragma once
// The gateway (DESIGN §3): one per process. Turns VoIPBIN frames into typed events, drops
// duplicates, admits calls (agent.max-calls) and routes events to their call supervisor. At
// start-up and after a reconnect it reconciles with VoIPBIN's REST API: live calls no one here
// serves are taken, those an earlier process served adopted (DESIGN §8, agent.adopt-on-start).
//
//   in   (ws_up_atom)                     the WebSocket is connected: subscribe, then reconcile
//        (reconcile_atom)                 start-up without a WebSocket: reconcile
//        (ws_down_atom, std::string why)  the WebSocket is gone
//        (frame_atom, std::string)        one frame (WebSocket text or webhook body)
//        (route_atom, transcribe_id, call_id)   from a supervisor
//        (drain_atom)                     SIGTERM: take no new call; exit when the last call ends;
//                                         after agent.drain-timeout wrap up the calls still live
//        (shutdown_atom)                  end every call now (stop its sessions), then exit
//        (calls_atom) -> std::vector<std::string>   ids of the calls held

#include <caf/fwd.hpp>
#include <memory>
#include <string>
#include <vector>

#include "actors/runtime.hpp"

namespace parley {

caf::actor spawn_gateway(caf::actor_system& sys, std::shared_ptr<const runtime> rt);

// The WebSocket subscription topics for a customer: one per event kind parley handles, each
// in the 4-part form that matches only the new topic layout, so every event arrives once
// (voipbin-api.md §6.2).
std::vector<std::string> subscription_topics(const std::string& customer_id);

}  // namespace parley
