// Any bytes into every JSON codec of protocol/: OpenAI stream chunks, completions and error
// bodies, Anthropic stream events, messages and error bodies, VoIPBIN REST bodies and lists,
// and the sentence splitter on the decoded text.
// Errors are values; nothing may crash or throw.

#include <cstddef>
#include <cstdint>
#include <string_view>

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
  return 0;
}
