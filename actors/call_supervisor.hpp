#pragma once
// One supervisor per call (DESIGN §3): owns the conversation, the turn epoch and the
// silence timer, and its children (transcribe, speaking, brain, and the tool runner when
// agent.tools-file has HTTP tools); it runs the model's tool calls (docs/tools.md).
//
//   in   (voice_atom, voice_event)             a speech event or transcript of the call, either
//                                               direction (DESIGN §4: barge-in and playout)
//        (hangup_atom)                          the call is over: stop everything and exit
//        (transcribe_done_atom)                 VoIPBIN ended the transcribe session
//        (wrap_up_atom)                         the drain timed out: say agent.drain-message, then
//                                               hang up, or (drain-action release) stop the sessions
//                                               and leave the call up
//   out  to the gateway: (route_atom, transcribe_id, call_id)

#include <caf/fwd.hpp>
#include <memory>
#include <string>

#include "actors/runtime.hpp"

namespace parley {

// With `adopt_transcribe_id`, an earlier process served the call: the supervisor rebuilds the
// conversation from that transcription's transcripts and goes on from there (no greeting unless
// nothing had been said). A `live` one is taken over instead of starting one; an ended one (the
// call was released) is only read, and a new transcription starts as for a new call.
caf::actor spawn_call_supervisor(caf::event_based_actor* gateway, std::shared_ptr<const runtime> rt,
                                 std::string call_id, std::string adopt_transcribe_id = {}, bool live = true);

}  // namespace parley
