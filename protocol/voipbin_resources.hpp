#pragma once
// VoIPBIN resources as parley uses them (voipbin-api.md §5). Only the fields parley reads;
// unknown fields are ignored when parsing.

#include <string>
#include <string_view>
#include <vector>

#include "protocol/result.hpp"

namespace parley::voipbin {

struct call {
  std::string id;
  std::string customer_id;
  std::string status;     // dialing, ringing, progressing, terminating, canceling, hangup
  std::string direction;  // incoming, outgoing
  std::string hangup_reason;
  std::string source;       // source.target: the number (or address) calling
  std::string destination;  // destination.target: the number called
};

struct transcribe {
  std::string id;
  std::string customer_id;
  std::string reference_type;
  std::string reference_id;
  std::string status;  // progressing, done
  std::string language;
  std::string direction;
};

struct transcript {
  std::string id;
  std::string customer_id;
  std::string transcribe_id;
  std::string direction;  // in (the caller), out (what the caller hears)
  std::string message;
  std::string tm_transcript;  // offset from the stream's start as a year-0001 time (§5)
  std::string tm_create;
};

// transcribe_speech_started / _interim / _ended (voipbin-api.md §5 "Speech event").
struct speech {
  std::string id;
  std::string customer_id;
  std::string transcribe_id;
  std::string streaming_id;
  std::string direction;
  std::string message;  // interim only
  bool has_message = false;
};

struct speaking {
  std::string id;
  std::string customer_id;
  std::string reference_type;
  std::string reference_id;
  std::string status;  // initiating, active, stopped
};

// Parse the JSON body of a REST response.
result<speaking> parse_speaking(std::string_view json);
result<transcribe> parse_transcribe(std::string_view json);
result<call> parse_call(std::string_view json);

// One page of a list response (voipbin-api.md §3): items newest first, and the token of the
// next page ("" after the last; a non-empty page usually names one even when it is the last).
template <class T>
struct page {
  std::vector<T> items;
  std::string next_page_token;
};

// Parse a list response; items without a valid id are skipped.
result<page<speaking>> parse_speaking_page(std::string_view json);
result<page<transcribe>> parse_transcribe_page(std::string_view json);
result<page<call>> parse_call_page(std::string_view json);
result<page<transcript>> parse_transcript_page(std::string_view json);

// True for the canonical 8-4-4-4-12 hex form VoIPBIN uses for every id.
bool is_uuid(std::string_view text);

}  // namespace parley::voipbin
