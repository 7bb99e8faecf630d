// The `openai` behaviour: POST {llm.base-url}/chat/completions with stream=true, through the
// shared streaming machinery (sentences handed on as soon as each is complete; cancel aborts
// the HTTP stream, not just its output). Works with any OpenAI-compatible server.

#include "actors/brain.hpp"
#include "actors/streaming_brain.hpp"
#include "protocol/openai_codec.hpp"

namespace parley {

namespace {

net::http_request chat_request(const runtime& rt, const chat_history& history) {
  net::http_request req;
  req.target = rt.llm.base.with_path_suffix("/chat/completions");
  if (!rt.llm.api_key.empty()) req.headers.push_back({"Authorization", "Bearer " + rt.llm.api_key});
  openai::request_options o{rt.llm.model, rt.llm.max_tokens, rt.llm.temperature, true,
                            rt.agent.offered_tools};
  req.body = openai::build_chat_request(history, o);
  return req;
}

result<reply_delta> chat_event(const sse_event& ev) {
  return openai::parse_stream_data(ev.data);
}

}  // namespace

streaming_brain_actor::behavior_type openai_brain(streaming_brain_actor::pointer self, brain_context ctx) {
  return streaming_brain(self, std::move(ctx), {chat_request, chat_event, openai::parse_error_message});
}

}  // namespace parley
