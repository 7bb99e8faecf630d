#pragma once
// Process-wide counters, gauges and histograms, rendered in the Prometheus text format.

#include <string>

#include "protocol/metric_types.hpp"
#include "protocol/rest_request_counter.hpp"

namespace parley {

struct metrics {
  gauge active_calls;
  counter calls_total;
  counter calls_rejected_total;   // over agent.max-calls
  counter calls_adopted_total;    // taken over with their live transcription (DESIGN §8)
  counter calls_elsewhere_total;  // cluster mode: another node claimed the call first
  gauge cluster_redis_up;         // cluster mode: 1 while Redis answers
  gauge cluster_nodes;            // cluster mode: live nodes, this one included
  counter turns_total;
  counter bargeins_total;
  counter bargeins_false_total;  // barge-ins that brought no words: the agent resumed
  counter turns_merged_total;    // a second final before the answer began: one turn of both
  counter events_total;
  counter events_invalid_total;
  counter events_duplicate_total;
  counter events_unroutable_total;
  counter llm_errors_total;
  counter ws_connects_total;
  counter ws_disconnects_total;
  counter rest_throttled_total;              // 429 answers (all traffic paused for Retry-After)
  counter rest_retries_total;                // idempotent requests sent again after 5xx or a failure
  counter rest_says_dropped_total;           // queued /say texts dropped unsent by a flush or stop
  counter rest_queue_full_total;             // requests refused at once: the scheduler's queues were full
  counter records_written_total;             // call records appended to records.dir
  counter records_dropped_total;             // call records not written: queue full or a write error
  counter records_repaired_total;            // partial last lines (a crash mid-write) cut from record files
  labelled_counter rest_requests_total;      // endpoint, status
  labelled_counter webhook_requests_total;   // status
  labelled_counter llm_fallbacks_total;      // reason: error or first_token_timeout (the fallback answered)
  labelled_counter auth_failures_total;      // source: websocket (upgrade refused) or rest (401 answers)
  labelled_counter tool_calls_total;         // tool, outcome: ok, error, cancelled, refused
  labelled_counter observer_errors_total;    // observer: a call observer threw (the call went on)
  labelled_counter profile_calls_total;      // profile: the agent profile a call was given ("default")
  histogram turn_event_to_llm_seconds;       // final transcript event received -> LLM request written
  histogram turn_first_token_seconds;        // LLM request written -> first token
  histogram turn_token_to_say_seconds;       // first token -> first /say sent
  histogram turn_transcript_to_say_seconds;  // final transcript event received -> first /say sent
  histogram turn_say_answered_seconds;       // final transcript event received -> first /say answered
  histogram bargein_reaction_seconds;        // caller speech event received -> /flush sent

  // Counts every REST request into rest_requests_total, without a lock once warm.
  rest_request_counter rest_requests{rest_requests_total};

  std::string render() const;
};

}  // namespace parley
