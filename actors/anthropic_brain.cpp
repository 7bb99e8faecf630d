// The `anthropic` behaviour: POST {llm.base-url}/messages with stream=true (the Messages API),
// through the shared streaming machinery. The key goes in x-api-key and is never logged.

#include "actors/brain.hpp"
#include "actors/streaming_brain.hpp"
#include "protocol/anthropic_codec.hpp"

namespace parley {

namespace {

net::http_request messages_request(const runtime& rt, const chat_history& history) {
  net::http_request req;
  req.target = rt.llm.base.with_path_suffix("/messages");
  if (!rt.llm.api_key.empty()) req.headers.push_back({"x-api-key", rt.llm.api_key});
  req.headers.push_back({"anthropic-version", std::string(anthropic::api_version)});
  anthropic::request_options o{rt.llm.model, rt.llm.max_tokens, rt.llm.temperature, true,
                               rt.agent.offered_tools};
  req.body = anthropic::build_messages_request(history, o);
  return req;
}

result<reply_delta> messages_event(const sse_event& ev) {
  return anthropic::parse_stream_event(ev.event, ev.data);
}

}  // namespace

streaming_brain_actor::behavior_type anthropic_brain(streaming_brain_actor::pointer self, brain_context ctx) {
  return streaming_brain(self, std::move(ctx),
                         {messages_request, messages_event, anthropic::parse_error_message});
}

}  // namespace parley
