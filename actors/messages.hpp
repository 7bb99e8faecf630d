#pragma once
// Message payload types exchanged between actors, and from the net layer to actors.
// All are inspectable so CAF can print and (later) serialize them.

#include <caf/meta/type_name.hpp>
#include <cstdint>
#include <string>

#include "parley/observer.hpp"
#include "protocol/chat.hpp"
#include "protocol/reply_gate.hpp"

namespace parley {

// Completion of a VoIPBIN REST call or an LLM HTTP request, delivered to the actor that made it.
struct http_reply {
  int status = 0;             // HTTP status; 0 when the request failed below HTTP
  std::string body;           // response body (error bodies included)
  std::string error;          // transport failure ("timeout", "connect: ..."), empty on success
  std::string retry_after;    // Retry-After header, if any
  bool rate_limited = false;  // the request waited for VoIPBIN's rate limit

  bool ok() const { return error.empty() && status >= 200 && status < 300; }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, http_reply& x) {
  return f(caf::meta::type_name("http_reply"), x.status, x.body, x.error, x.retry_after, x.rate_limited);
}

// A speech event or transcript of a call, routed by the gateway to its supervisor (DESIGN §4).
struct voice_event {
  int32_t kind = 0;             // turn::signal: speech started, interim, final transcript
  bool agent = false;           // direction `out`: the agent's own voice coming back
  std::string text;             // empty for speech started
  int64_t received_ns = 0;      // steady clock, when parley read the event
  std::string transcript_id{};  // a final transcript's id: an adopted call sees it once (DESIGN §8)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, voice_event& x) {
  return f(caf::meta::type_name("voice_event"), x.kind, x.agent, x.text, x.received_ns, x.transcript_id);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tool_call& x) {
  return f(caf::meta::type_name("tool_call"), x.id, x.name, x.arguments);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tool_call_delta& x) {
  return f(caf::meta::type_name("tool_call_delta"), x.index, x.id, x.name, x.arguments);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reply_delta& x) {
  return f(caf::meta::type_name("reply_delta"), x.text, x.tool_calls, x.done);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reply_pieces& x) {
  return f(caf::meta::type_name("reply_pieces"), x.deltas, x.error);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chat_message& x) {
  return f(caf::meta::type_name("chat_message"), x.role, x.content, x.interrupted, x.tool_calls,
           x.tool_call_id, x.tool_error);
}

}  // namespace parley

namespace parley::plugin {

// Found by argument-dependent lookup, so it lives beside the type.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, call_event& x) {
  return f(caf::meta::type_name("call_event"), x.kind, x.text, x.tool, x.result, x.error, x.turn, x.unix_ms);
}

}  // namespace parley::plugin
