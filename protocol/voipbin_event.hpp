#pragma once
// Turns a VoIPBIN WebSocket frame or webhook body into a typed event.
// Frames are usually the bare resource object; the legacy {"type","data"} wrapping is also
// accepted (voipbin-api.md §6.2, §10).

#include <string>
#include <string_view>
#include <variant>

#include "protocol/result.hpp"
#include "protocol/voipbin_resources.hpp"

namespace parley::voipbin {

enum class event_kind {
  call,             // any call_* event; the status tells what happened
  transcribe,       // transcribe_created / transcribe_done
  transcript,       // transcript_created
  speech_started,   // transcribe_speech_started (only when the frame says so)
  speech_interim,   // transcribe_speech_interim
  speech_ended,     // transcribe_speech_ended (only when the frame says so)
  speech_unmarked,  // a bare speech frame without message: started or ended, unknown
};

struct event {
  event_kind kind;
  std::string type;  // the event type when the frame named it (legacy/webhook), else ""
  std::variant<call, transcribe, transcript, speech> resource;
};

// Classifies one frame. Unknown shapes and malformed JSON are errors, never exceptions.
result<event> classify_frame(std::string_view frame);

std::string_view to_string(event_kind kind);

}  // namespace parley::voipbin
