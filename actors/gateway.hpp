#pragma once
// The gateway (DESIGN §3): one per process. Turns VoIPBIN frames into typed events, drops
// duplicates, admits calls (agent.max-calls) and routes events to their call supervisor. At
// start-up and after a reconnect it reconciles with VoIPBIN's REST API: live calls no one here
// serves are taken, those an earlier process served adopted (DESIGN §8, agent.adopt-on-start).
// Its protocol is gateway_actor (actors/interfaces.hpp).

#include <caf/fwd.hpp>
#include <memory>
#include <string>
#include <vector>

#include "actors/interfaces.hpp"
#include "actors/runtime.hpp"

namespace parley {

gateway_actor spawn_gateway(caf::actor_system& sys, std::shared_ptr<const runtime> rt);

// The WebSocket subscription topics for a customer: one per event kind parley handles, each
// in the 4-part form that matches only the new topic layout, so every event arrives once
// (voipbin-api.md §6.2).
std::vector<std::string> subscription_topics(const std::string& customer_id);

}  // namespace parley
