#pragma once
// Call observers: behaviours that see every event of a call, in order, and cannot change or
// break it (for logs, analytics, CRM updates). Each runs in an actor of its own, one per call,
// apart from the call's own actors: a slow observer delays only itself, and one that throws is
// logged and counted (parley_observer_errors_total) while the call goes on. on_event must not
// block for long; hand slow work to a thread of your own. Part of the extension API.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "parley/call.hpp"

namespace parley::plugin {

enum class call_event_kind {
  answered,     // parley took the call (first event)
  caller_said,  // text: a turn of the caller, as the brain is given it
  agent_said,   // text: a piece of a reply VoIPBIN accepted to speak
  heard,        // text: what the caller heard of a reply, to its end or to the barge-in
  barge_in,     // the caller spoke over the agent; text: what they had heard of the reply
  tool_call,    // tool, text: the arguments (JSON), result, error: the tool's outcome
  ended,        // text: why (hangup, transferred, shutdown...); the last event
};

struct call_event {
  call_event_kind kind = call_event_kind::answered;
  std::string text;
  std::string tool;     // tool_call only
  std::string result;   // tool_call only
  bool error = false;   // tool_call only: the tool failed, was cancelled or refused
  uint64_t turn = 0;    // the turn it belongs to (0 before the first)
  int64_t unix_ms = 0;  // when parley saw it, milliseconds since 1970 (UTC)
};

// The name used in logs and files: "answered", "caller_said", ...
inline const char* to_string(call_event_kind k) {
  switch (k) {
    case call_event_kind::answered:
      return "answered";
    case call_event_kind::caller_said:
      return "caller_said";
    case call_event_kind::agent_said:
      return "agent_said";
    case call_event_kind::heard:
      return "heard";
    case call_event_kind::barge_in:
      return "barge_in";
    case call_event_kind::tool_call:
      return "tool_call";
    case call_event_kind::ended:
      return "ended";
  }
  return "unknown";
}

class call_observer {
 public:
  virtual ~call_observer() = default;
  virtual void on_event(const call_event& event) = 0;
};

// Makes the observer of one call.
using observer_factory = std::function<std::unique_ptr<call_observer>(const call_info& call)>;

}  // namespace parley::plugin
