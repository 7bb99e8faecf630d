#pragma once
// One supervisor per call (DESIGN §3): owns the conversation, the turn epoch and the
// silence timer, and its children (transcribe, speaking, brain, and the tool runner when
// agent.tools-file has HTTP tools); it runs the model's tool calls (docs/tools.md).
// Its protocol is call_supervisor_actor (actors/interfaces.hpp); it tells the gateway
// (route_atom, transcribe_id, call_id) once its transcription runs.

#include <caf/fwd.hpp>
#include <memory>
#include <string>

#include "actors/interfaces.hpp"
#include "actors/runtime.hpp"
#include "protocol/call_profiles.hpp"

namespace parley {

// With `adopt_transcribe_id`, an earlier process served the call: the supervisor rebuilds the
// conversation from that transcription's transcripts and goes on from there (no greeting unless
// nothing had been said). A `live` one is taken over instead of starting one; an ended one (the
// call was released) is only read, and a new transcription starts as for a new call.
// `facts` are the call's numbers, for the behaviours that want them (parley/call.hpp).
call_supervisor_actor spawn_call_supervisor(caf::local_actor* gateway, std::shared_ptr<const runtime> rt,
                                            std::string call_id, profiles::call_facts facts,
                                            std::string adopt_transcribe_id = {}, bool live = true);

}  // namespace parley
