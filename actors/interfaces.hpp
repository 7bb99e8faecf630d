#pragma once
// Actor protocols declared as CAF typed actors: a message an actor does not accept does not
// compile. One alias per actor, a comment per handler; shared parts are composed with
// extend_with. The brain's protocol is part of the extension API: parley/actor_brain.hpp.

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "actors/atoms.hpp"
#include "actors/messages.hpp"
#include "parley/actor_brain.hpp"

namespace parley {

// Receives the completions of the REST and HTTP requests it starts (actors/rest_bridge.hpp).
using rest_client_actor = caf::typed_actor<
    // (tag, reply): the request sent with `tag` is done
    caf::reacts_to<atoms::rest, uint64_t, http_reply>>;

// What the call supervisor hears from its children: the part of its protocol they may send.
// (The supervisor is untyped; a child casts its address to this handle, so its sends are
// checked here.)
using child_listener_actor = caf::typed_actor<
    // (kind, id): the transcribe or speaking session is up
    caf::reacts_to<atoms::ready, std::string, std::string>,
    // (epoch): the first /say of that reply went out
    caf::reacts_to<atoms::say_sent, uint64_t>,
    // (epoch, seq, text, accepted): VoIPBIN accepted the text, or it was given up
    caf::reacts_to<atoms::said, uint64_t, uint64_t, std::string, bool>,
    // (epoch, tool call id, content, is_error): a tool's result
    caf::reacts_to<atoms::tool_result, uint64_t, std::string, std::string, bool>>;

// A child that holds a VoIPBIN session of the call and ends it on request.
using session_actor = caf::typed_actor<
    // stop the session, then exit; the supervisor sees the exit
    caf::reacts_to<atoms::stop>,
    // cluster mode: another node serves the call now; exit, leaving the session as it is
    caf::reacts_to<atoms::forget>,
    // its own timers: create the session again after a failure; stop waiting for VoIPBIN
    caf::reacts_to<atoms::retry>, caf::reacts_to<atoms::deadline>>::extend_with<rest_client_actor>;

// The call's transcribe session (transcribe_actor.cpp). Tells the supervisor
// (ready_atom, "transcribe", id) once it listens.
using transcribe_actor = session_actor;

// The call's speaking session (speaking_actor.cpp). Tells the supervisor (ready_atom,
// "speaking", id), (say_sent_atom, epoch) for a reply's first /say, and (said_atom, epoch, seq,
// text, accepted) for each text.
using speaking_actor = caf::typed_actor<
    // (epoch, seq, text): say it after what is queued; older epochs than the last flush are dropped
    caf::reacts_to<atoms::say, uint64_t, uint64_t, std::string>,
    // (epoch, heard_at_ns): barge-in, sent high priority: drop what is queued and cut the speech
    caf::reacts_to<atoms::flush, uint64_t, int64_t>,
    // its own timer: ask VoIPBIN again for a session being created
    caf::reacts_to<atoms::poll>>::extend_with<session_actor>;

// Runs the HTTP tools of agent.tools-file for one call (tool_runner.cpp). Tells the supervisor
// (tool_result_atom, epoch, call_id, content, is_error), never for a cancelled call.
using tool_runner_actor = caf::typed_actor<
    // (epoch, call): send the tool's request
    caf::reacts_to<atoms::run_tool, uint64_t, tool_call>,
    // (epoch): abandon the request of that epoch (barge-in), sent high priority
    caf::reacts_to<atoms::cancel, uint64_t>>::extend_with<rest_client_actor>;

// The brain's protocol is part of the extension API, so a plugin can implement it without
// parley's internals (parley/actor_brain.hpp); named here with the others.
using brain_actor = plugin::brain_actor;
using brain_listener_actor = plugin::brain_listener_actor;

// One per call (call_supervisor.cpp): owns the conversation, the turn epoch and the call's
// children. The gateway, its children, its brain and its own timers talk to it.
using call_supervisor_actor = caf::typed_actor<
    // (event): a speech event or transcript of the call, either direction (DESIGN §4)
    caf::reacts_to<atoms::voice, voice_event>,
    // the call is over: stop everything and exit
    caf::reacts_to<atoms::hangup>,
    // VoIPBIN ended the transcribe session while the call lives: start a new one
    caf::reacts_to<atoms::transcribe_done>,
    // the drain timed out: say agent.drain-message, then hang up or release the call
    caf::reacts_to<atoms::wrap_up>,
    // cluster mode's drain: stop the sessions at once, without a word, for another node to go on
    caf::reacts_to<atoms::hand_off>,
    // cluster mode, from the io thread: (json) the adopted call's checkpoint, empty if none
    caf::reacts_to<atoms::checkpoint, std::string>,
    // cluster mode: another node serves the call now; end here, its sessions left as they are
    caf::reacts_to<atoms::forget>,
    // its own timers, each stale unless its epoch or generation is still the current one:
    // (generation) the caller was silent for agent.silence-timeout
    caf::reacts_to<atoms::silence, uint64_t>,
    // (epoch) the reply's playout should be over
    caf::reacts_to<atoms::play_check, uint64_t>,
    // (epoch, generation) the caller did not go on: the held answer goes ahead
    caf::reacts_to<atoms::hold_over, uint64_t, uint64_t>,
    // (generation) a barge-in brought no words: say the unheard rest again
    caf::reacts_to<atoms::resume, uint64_t>,
    // transcription never came: greet anyway
    caf::reacts_to<atoms::greet>,
    // (epoch) the transfer message was never confirmed heard: transfer now
    caf::reacts_to<atoms::transfer, uint64_t>,
    // a goodbye or wrap-up was never confirmed heard: hang up now
    caf::reacts_to<atoms::hangup_call>,
    // (by whom): hang up now, at the request of the operator (POST /v1/calls/{id}/hangup)
    caf::reacts_to<atoms::hangup_call, std::string>,
    // the children did not stop in time: exit anyway
    caf::reacts_to<atoms::deadline>>::extend_with<child_listener_actor>::
    extend_with<plugin::brain_listener_actor>::extend_with<rest_client_actor>;

// One per process (gateway.cpp): VoIPBIN's events in, each call's supervisor out.
using gateway_actor = caf::typed_actor<
    // the WebSocket is connected: subscribe, then reconcile
    caf::reacts_to<atoms::ws_up>,
    // start-up without a WebSocket: reconcile
    caf::reacts_to<atoms::reconcile>,
    // (why): the WebSocket is gone
    caf::reacts_to<atoms::ws_down, std::string>,
    // (text): one frame, a WebSocket text or a webhook body
    caf::reacts_to<atoms::frame, std::string>,
    // (transcribe id, call id): from a supervisor, whose transcripts these are
    caf::reacts_to<atoms::route, std::string, std::string>,
    // the ids of the calls held
    caf::replies_to<atoms::calls>::with<std::vector<std::string>>,
    // SIGTERM: take no new call; exit when the last call ends
    caf::reacts_to<atoms::drain>,
    // its own timer: agent.drain-timeout passed, wrap up the calls still live
    caf::reacts_to<atoms::drain_over>,
    // end every call now (stop its sessions), then exit
    caf::reacts_to<atoms::shutdown>,
    // its own timer: (call id) agent.variables-wait passed for that call
    caf::reacts_to<atoms::deadline, std::string>,
    // cluster mode, from the io thread: (call id, ours) the answer to a claim
    caf::reacts_to<atoms::claimed, std::string, bool>,
    // cluster mode: (call id) a dead node's call is this node's now: adopt it
    caf::reacts_to<atoms::adopt, std::string>,
    // cluster mode: (call id) another node claimed a call served here (this node had lost
    // Redis for longer than its lease): leave it to that node
    caf::reacts_to<atoms::forget, std::string>,
    // (call ids, profile): calls placed with POST /v1/calls; the profile answers them
    caf::reacts_to<atoms::outbound, std::vector<std::string>, std::string>,
    // (call id): the operator hangs the call up (POST /v1/calls/{id}/hangup)
    caf::reacts_to<atoms::hangup_call, std::string>>::extend_with<rest_client_actor>;

// A call observer's host (observers.cpp): one per observer and call, apart from the call's own
// actors. It quits after the `ended` event, or when the supervisor is gone.
using call_observer_actor = caf::typed_actor<
    // (event): the next event of the call, in order
    caf::reacts_to<atoms::call_event, plugin::call_event>>;

}  // namespace parley
