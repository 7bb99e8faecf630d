#pragma once
// What happened on one call, turn by turn: built from the call's events (parley/observer.hpp)
// and its stage latencies. The same JSON is a line of the call records (records.dir), the body
// of GET /v1/calls/{id} and what the dashboard shows (docs/operations.md, "Call records").

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "parley/call.hpp"
#include "parley/observer.hpp"

namespace parley {

struct tool_use {
  std::string name;
  std::string arguments;  // JSON text, as the model wrote it
  std::string result;
  bool error = false;
};

// One turn: the caller's line and the agent's answer to it. The greeting and the agent's own
// prompts (silence, drain) are turns without a caller line.
struct turn_record {
  uint64_t turn = 0;
  int64_t unix_ms = 0;  // when it began
  std::string caller;   // the caller's words, as the model was given them
  std::string said;     // what VoIPBIN accepted to speak
  std::string heard;    // what the caller heard of it
  bool interrupted = false;
  std::vector<tool_use> tools;
  // Milliseconds from the caller's final transcript to each stage, in the order they happened:
  // llm_request (written), first_token, first_say (sent), say_answered (VoIPBIN accepted it).
  std::vector<std::pair<std::string, double>> latency_ms;
};

// How a call ended, as the `ended` event tells it ("call over", "hung up by the agent"...).
struct call_record {
  plugin::call_info call;
  std::string direction = "inbound";  // or "outbound": placed with POST /v1/calls
  bool adopted = false;               // taken over from an earlier process or another node
  int64_t started_unix_ms = 0;
  int64_t ended_unix_ms = 0;  // 0 while live
  std::string phase = "listening";
  std::string ended;           // empty while live
  uint64_t turns_dropped = 0;  // the oldest turns, beyond the cap, are not kept
  std::vector<turn_record> turns;

  // Folds in the next event. `max_turns` caps the turns kept (the oldest go first).
  void apply(const plugin::call_event& ev, std::size_t max_turns = 500);
  // Milliseconds from the turn's final transcript to `stage`.
  void add_latency(uint64_t turn, std::string_view stage, double ms);
  // From the caller's final transcript to the first /say of the newest answered turn.
  std::optional<double> last_turn_latency_ms() const;
  // Turns that had a caller line.
  std::size_t caller_turns() const;

 private:
  turn_record& turn_at(uint64_t turn, int64_t unix_ms, std::size_t max_turns);
};

// The whole record: a call record line, GET /v1/calls/{id}.
nlohmann::json to_json(const call_record& r);
// Without the turns: GET /v1/calls, the dashboard's list.
nlohmann::json summary_json(const call_record& r);
// One event as the dashboard's stream carries it.
nlohmann::json event_json(const plugin::call_event& ev);
// Milliseconds since 1970 as RFC 3339 UTC with milliseconds ("2026-12-01T09:30:00.123Z").
std::string rfc3339_ms(int64_t unix_ms);

}  // namespace parley
