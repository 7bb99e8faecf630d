#pragma once
// A conversation rebuilt from VoIPBIN's stored transcripts (GET /transcripts), for a call that
// an earlier parley process served (DESIGN §8: start-up adopts live calls, history rebuilt).

#include <chrono>
#include <string_view>
#include <vector>

#include "protocol/chat.hpp"
#include "protocol/result.hpp"
#include "protocol/voipbin_resources.hpp"

namespace parley::voipbin {

// When a transcript was spoken: `tm_transcript` is an offset from the stream's start written
// as a year-0001 time ("0001-01-01T00:00:05.1Z", voipbin-api.md §5), read here as the time
// since 0001-01-01T00:00:00, so a wall-clock value orders as well. Accepts 'T' or ' ' between
// date and time, any number of fraction digits, and 'Z', an offset or nothing at the end.
result<std::chrono::microseconds> transcript_offset(std::string_view tm_transcript);

// The conversation in spoken order: `in` (the caller) as user, `out` (the agent's voice, what
// the caller heard) as assistant; consecutive pieces of one side are one message. Lists come
// newest first (§3), so input order counts only among equal offsets; other directions and
// empty texts are left out, and a transcript whose offset cannot be read goes last.
chat_history history_from_transcripts(std::vector<transcript> transcripts);

}  // namespace parley::voipbin
