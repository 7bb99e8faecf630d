#include "protocol/metrics.hpp"

namespace parley {

std::string metrics::render() const {
  std::string out;
  auto g = [&](const char* name, const char* help, int64_t v) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " gauge\n" + name + " " +
           std::to_string(v) + "\n";
  };
  auto c = [&](const char* name, const char* help, uint64_t v) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n" + name + " " +
           std::to_string(v) + "\n";
  };
  g("parley_active_calls", "Calls with a live supervisor.", active_calls.value());
  c("parley_calls_total", "Calls taken on.", calls_total.value());
  c("parley_calls_rejected_total", "Calls refused because agent.max-calls was reached.",
    calls_rejected_total.value());
  c("parley_calls_adopted_total",
    "Calls an earlier process served, taken over at start-up or after a reconnect, history rebuilt.",
    calls_adopted_total.value());
  c("parley_calls_elsewhere_total", "Calls another cluster node claimed first (cluster mode).",
    calls_elsewhere_total.value());
  g("parley_cluster_redis_up", "1 while Redis answers (cluster mode).", cluster_redis_up.value());
  g("parley_cluster_nodes", "Live cluster nodes, this one included (cluster mode).", cluster_nodes.value());
  c("parley_turns_total", "Caller turns answered by the agent.", turns_total.value());
  c("parley_bargeins_total", "Agent replies interrupted by the caller.", bargeins_total.value());
  c("parley_bargeins_false_total", "Barge-ins that brought no words; the agent said the rest again.",
    bargeins_false_total.value());
  c("parley_turns_merged_total", "Caller turns merged with the next one because the caller kept talking.",
    turns_merged_total.value());
  c("parley_events_total", "VoIPBIN events received.", events_total.value());
  c("parley_events_invalid_total", "Frames that could not be parsed or classified.",
    events_invalid_total.value());
  c("parley_events_duplicate_total", "Events dropped as duplicates.", events_duplicate_total.value());
  c("parley_events_unroutable_total", "Events for calls parley does not hold.",
    events_unroutable_total.value());
  c("parley_llm_errors_total", "LLM requests that failed.", llm_errors_total.value());
  c("parley_ws_connects_total", "WebSocket connections established.", ws_connects_total.value());
  c("parley_ws_disconnects_total", "WebSocket connections lost.", ws_disconnects_total.value());
  c("parley_rest_throttled_total", "VoIPBIN answers 429 (rate limited).", rest_throttled_total.value());
  c("parley_rest_retries_total", "Idempotent VoIPBIN requests retried after 5xx or a failure.",
    rest_retries_total.value());
  c("parley_rest_says_dropped_total", "Queued /say texts dropped unsent because their speaking was flushed.",
    rest_says_dropped_total.value());
  c("parley_rest_queue_full_total",
    "VoIPBIN requests refused at once because the scheduler's queues were full.",
    rest_queue_full_total.value());
  c("parley_records_written_total", "Call records appended to records.dir.", records_written_total.value());
  c("parley_records_dropped_total", "Call records not written: their queue was full or the write failed.",
    records_dropped_total.value());
  c("parley_records_repaired_total", "Partial last lines a crash left in call record files, cut on opening.",
    records_repaired_total.value());
  rest_requests_total.render(out, "parley_rest_requests_total");
  webhook_requests_total.render(out, "parley_webhook_requests_total");
  auth_failures_total.render(out, "parley_auth_failures_total");
  llm_fallbacks_total.render(out, "parley_llm_fallbacks_total");
  tool_calls_total.render(out, "parley_tool_calls_total");
  observer_errors_total.render(out, "parley_observer_errors_total");
  profile_calls_total.render(out, "parley_profile_calls_total");
  turn_event_to_llm_seconds.render(out, "parley_turn_event_to_llm_seconds");
  turn_first_token_seconds.render(out, "parley_turn_first_token_seconds");
  turn_token_to_say_seconds.render(out, "parley_turn_token_to_say_seconds");
  turn_transcript_to_say_seconds.render(out, "parley_turn_transcript_to_say_seconds");
  turn_say_answered_seconds.render(out, "parley_turn_say_answered_seconds");
  bargein_reaction_seconds.render(out, "parley_bargein_reaction_seconds");
  return out;
}

}  // namespace parley
