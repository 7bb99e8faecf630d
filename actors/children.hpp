#pragma once
// Spawn functions for the per-call children of a call supervisor (DESIGN §3). Each child is
// spawned monitored by the supervisor and reports back to it; the supervisor holds them. Their
// protocols are the typed interfaces of actors/interfaces.hpp; the brain's is in
// parley/actor_brain.hpp.

#include <caf/fwd.hpp>
#include <memory>
#include <string>

#include "actors/interfaces.hpp"
#include "actors/runtime.hpp"

namespace parley {

// With `existing_id`, the actor takes over that live session instead of creating one.
transcribe_actor spawn_transcribe(caf::local_actor* parent, std::shared_ptr<const runtime> rt,
                                  std::string call_id, std::string existing_id = {});
speaking_actor spawn_speaking(caf::local_actor* parent, std::shared_ptr<const runtime> rt,
                              std::string call_id);
// Runs the HTTP tools of rt->agent.http_tools for the call, one at a time.
tool_runner_actor spawn_tool_runner(caf::local_actor* parent, std::shared_ptr<const runtime> rt,
                                    std::string call_id);

}  // namespace parley
