#pragma once
// Every atom parley's actors use, in one type-id block (CAF 0.17 keeps atom text <= 10
// characters, and two atoms with the same text are the same type).

#include <caf/type_id.hpp>

#include "parley/brain_atoms.hpp"  // the brain protocol's, part of the extension API

CAF_BEGIN_TYPE_ID_BLOCK(parley, caf::first_custom_type_id)

// net -> gateway
CAF_ADD_ATOM(parley, parley::atoms, frame, "frame")
CAF_ADD_ATOM(parley, parley::atoms, ws_up, "ws_up")
CAF_ADD_ATOM(parley, parley::atoms, ws_down, "ws_down")
// app -> gateway: look for live calls to take (at start-up without a WebSocket)
CAF_ADD_ATOM(parley, parley::atoms, reconcile, "reconcile")
// gateway <-> supervisor
CAF_ADD_ATOM(parley, parley::atoms, voice, "voice")
CAF_ADD_ATOM(parley, parley::atoms, hangup, "hangup")
CAF_ADD_ATOM(parley, parley::atoms, hangup_call, "hangup_cl")
CAF_ADD_ATOM(parley, parley::atoms, route, "route")
CAF_ADD_ATOM(parley, parley::atoms, transcribe_done, "tr_done")
// supervisor <-> children (the brain's are in parley/brain_atoms.hpp)
CAF_ADD_ATOM(parley, parley::atoms, ready, "ready")
CAF_ADD_ATOM(parley, parley::atoms, say, "say")
CAF_ADD_ATOM(parley, parley::atoms, say_sent, "say_sent")
CAF_ADD_ATOM(parley, parley::atoms, said, "said")
CAF_ADD_ATOM(parley, parley::atoms, flush, "flush")
CAF_ADD_ATOM(parley, parley::atoms, stop, "stop")
// plugin brain host: a turn_sink's output; observers: one event of the call
CAF_ADD_ATOM(parley, parley::atoms, sink, "sink")
CAF_ADD_ATOM(parley, parley::atoms, call_event, "call_event")
// supervisor <-> tool runner
CAF_ADD_ATOM(parley, parley::atoms, run_tool, "run_tool")
CAF_ADD_ATOM(parley, parley::atoms, tool_result, "tool_res")
// supervisor: the transfer message's playout was never confirmed
CAF_ADD_ATOM(parley, parley::atoms, transfer, "transfer")
// fallback brain: the primary's first text is late
CAF_ADD_ATOM(parley, parley::atoms, first_token_late, "ft_late")
// timers and io completions
CAF_ADD_ATOM(parley, parley::atoms, silence, "silence")
CAF_ADD_ATOM(parley, parley::atoms, play_check, "play_chk")
CAF_ADD_ATOM(parley, parley::atoms, hold_over, "hold_over")
CAF_ADD_ATOM(parley, parley::atoms, resume, "resume")
CAF_ADD_ATOM(parley, parley::atoms, greet, "greet")
CAF_ADD_ATOM(parley, parley::atoms, retry, "retry")
CAF_ADD_ATOM(parley, parley::atoms, poll, "poll")
CAF_ADD_ATOM(parley, parley::atoms, deadline, "deadline")
CAF_ADD_ATOM(parley, parley::atoms, rest, "rest")
CAF_ADD_ATOM(parley, parley::atoms, chunk, "chunk")
CAF_ADD_ATOM(parley, parley::atoms, stream_end, "stream_end")
// process
CAF_ADD_ATOM(parley, parley::atoms, shutdown, "shutdown")
CAF_ADD_ATOM(parley, parley::atoms, drain, "drain")
CAF_ADD_ATOM(parley, parley::atoms, drain_over, "drain_over")
CAF_ADD_ATOM(parley, parley::atoms, wrap_up, "wrap_up")
CAF_ADD_ATOM(parley, parley::atoms, calls, "calls")
// cluster mode: a claim's answer; another node's call is this node's now; hand a call over
CAF_ADD_ATOM(parley, parley::atoms, claimed, "claimed")
CAF_ADD_ATOM(parley, parley::atoms, adopt, "adopt")
CAF_ADD_ATOM(parley, parley::atoms, hand_off, "hand_off")
CAF_ADD_ATOM(parley, parley::atoms, checkpoint, "checkpoint")
CAF_ADD_ATOM(parley, parley::atoms, forget, "forget")
// admin API: calls placed with POST /v1/calls
CAF_ADD_ATOM(parley, parley::atoms, outbound, "outbound")

CAF_END_TYPE_ID_BLOCK(parley)
