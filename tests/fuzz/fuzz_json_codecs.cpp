// Any bytes into every JSON codec of protocol/: OpenAI stream chunks, completions and error
// bodies, Anthropic stream events, messages and error bodies, VoIPBIN REST bodies and lists,
// the sentence splitter on the decoded text, and both request builders with the bytes as a
// tool's arguments, result and parameter schema.
// Errors are values; nothing may crash or throw.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/anthropic_codec.hpp"
#include "protocol/openai_codec.hpp"
#include "protocol/sentence_splitter.hpp"
#include "protocol/transcript_history.hpp"
#include "protocol/voipbin_resources.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto delta = parley::openai::parse_stream_data(text);
  (void)parley::openai::parse_completion(text);
  (void)parley::openai::parse_error_message(text);
  (void)parley::anthropic::parse_stream_event("content_block_delta", text);
  (void)parley::anthropic::parse_stream_event("content_block_start", text);
  (void)parley::anthropic::parse_message(text);
  (void)parley::anthropic::parse_error_message(text);
  (void)parley::voipbin::parse_speaking(text);
  (void)parley::voipbin::parse_transcribe(text);
  (void)parley::voipbin::parse_call(text);
  (void)parley::voipbin::parse_speaking_page(text);
  (void)parley::voipbin::parse_transcribe_page(text);
  (void)parley::voipbin::parse_call_page(text);
  if (auto page = parley::voipbin::parse_transcript_page(text))
    (void)parley::voipbin::history_from_transcripts(page->items);
  parley::sentence_splitter splitter(4);
  for (std::size_t i = 0; i < text.size(); i += 7) (void)splitter.feed(text.substr(i, 7));
  if (delta) (void)splitter.feed(delta->text);
  (void)splitter.finish();
  parley::chat_message call{"assistant", std::string(text)};
  call.tool_calls = {{"c1", "f", std::string(text)}, {"c2", std::string(text), ""}};
  parley::chat_message result{"tool", std::string(text)};
  result.tool_call_id = "c1";
  result.tool_error = size % 2 == 1;
  parley::chat_message stray{"tool", std::string(text)};
  stray.tool_call_id = std::string(text);
  parley::chat_history history{{"user", "hi"}, call, result, stray};
  std::vector<parley::tool_definition> tools{{"f", "d", std::string(text)}};
  for (const auto& offered : {tools, std::vector<parley::tool_definition>{}}) {
    (void)parley::openai::build_chat_request(history, {"m", 0, -1, true, offered});
    (void)parley::anthropic::build_messages_request(history, {"m", 0, -1, true, offered});
  }
  return 0;
}
