#pragma once
// Spawn functions for the per-call children of a call supervisor (DESIGN §3). Each child is
// spawned monitored by the supervisor and reports back to it; the supervisor holds them.
//
// transcribe   in: (stop_atom)                      out: (ready_atom, "transcribe", id)
// speaking     in: (say_atom, epoch, seq, text)       out: (ready_atom, "speaking", id)
//                  (flush_atom, epoch, heard_at_ns)        (say_sent_atom, epoch): its first /say went out
//                    high priority; barge-in               (said_atom, epoch, seq, text, accepted): VoIPBIN
//                  (stop_atom)                               accepted the text, or it was given up
// brain        see brain.hpp
// tools        in: (run_tool_atom, epoch, tool_call)     out: (tool_result_atom, epoch, call_id,
//                    an HTTP tool of agent.tools-file           content, is_error): what the model
//                  (cancel_atom, epoch)                        is given; never for a cancelled one
//                    high priority; barge-in

#include <caf/fwd.hpp>
#include <memory>
#include <string>

#include "actors/runtime.hpp"

namespace parley {

// With `existing_id`, the actor takes over that live session instead of creating one.
caf::actor spawn_transcribe(caf::event_based_actor* parent, std::shared_ptr<const runtime> rt,
                            std::string call_id, std::string existing_id = {});
caf::actor spawn_speaking(caf::event_based_actor* parent, std::shared_ptr<const runtime> rt,
                          std::string call_id);
// Runs the HTTP tools of rt->agent.http_tools for the call, one at a time.
caf::actor spawn_tool_runner(caf::event_based_actor* parent, std::shared_ptr<const runtime> rt,
                             std::string call_id);

}  // namespace parley
