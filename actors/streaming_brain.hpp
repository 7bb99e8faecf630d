#pragma once
// The machinery every streaming LLM brain shares: one HTTP stream per turn, its server-sent
// events decoded by the provider's wire format, the text cut into sentences handed on as soon
// as each is complete, cancel by epoch aborting the stream itself. A provider (`openai`,
// `anthropic`) only says how a turn's request looks and what its events and errors mean.

#include <caf/typed_event_based_actor.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "actors/atoms.hpp"
#include "actors/brain.hpp"
#include "actors/messages.hpp"
#include "net/http_types.hpp"
#include "protocol/chat.hpp"
#include "protocol/reply_gate.hpp"
#include "protocol/result.hpp"
#include "protocol/sse_parser.hpp"

namespace parley {

struct llm_wire {
  // The request for one turn: target, headers and body. The brain sets the method (POST),
  // the stream timeout (llm.timeout), Accept: text/event-stream and the written-stamp.
  net::http_request (*request)(const runtime& rt, const chat_history& history);
  // What one server-sent event of the reply says; a failure ends the turn with its message.
  result<reply_delta> (*event)(const sse_event& ev);
  // The message of an error body (a non-2xx answer), if it has one.
  std::optional<std::string> (*error_message)(std::string_view body);
};

// A streaming brain: the brain protocol, and its HTTP stream's pieces (actors/rest_bridge.hpp).
using streaming_brain_actor = plugin::brain_actor::extend<
    // (tag, pieces): the reply's next pieces, decoded where they were read
    caf::reacts_to<atoms::chunk, uint64_t, reply_pieces>,
    // (tag, reply): the stream is over
    caf::reacts_to<atoms::stream_end, uint64_t, http_reply>>;

streaming_brain_actor::behavior_type streaming_brain(streaming_brain_actor::pointer self, brain_context ctx,
                                                     llm_wire wire);

// The providers: openai_brain.cpp, anthropic_brain.cpp.
streaming_brain_actor::behavior_type openai_brain(streaming_brain_actor::pointer self, brain_context ctx);
streaming_brain_actor::behavior_type anthropic_brain(streaming_brain_actor::pointer self, brain_context ctx);

}  // namespace parley
