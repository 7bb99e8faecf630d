#pragma once
// Per-turn timings of a load run, fed by the simulators' hooks from their io threads. A turn is
// known by the caller's words, which the load makes unique per call and turn.

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace parley::bench {

using clock_type = std::chrono::steady_clock;

// Percentiles of a sample, in milliseconds.
struct distribution {
  std::size_t count = 0;
  double p50 = 0, p90 = 0, p99 = 0, max = 0;
};
distribution summarize(std::vector<double> ms);

class turn_timings {
 public:
  // voipbin side: the caller's final transcript written; a /say received.
  void caller_final(const std::string& call_id, const std::string& words);
  void say(const std::string& call_id);
  // LLM side: the request for these words received; the first token of its answer written.
  void llm_request(const std::string& words);
  void first_token(const std::string& words);

  struct totals {
    std::size_t finals = 0;    // caller turns with words
    std::size_t asked = 0;     // of which the model was asked
    std::size_t answered = 0;  // of which a /say came after the first token
    distribution ingress;      // final written -> LLM request received
    distribution egress;       // first token written -> first /say received
  };
  totals compute() const;

 private:
  struct turn {
    clock_type::time_point final_at{}, request_at{}, token_at{}, say_at{};
  };
  mutable std::mutex mutex_;
  std::unordered_map<std::string, turn> turns_;            // by words
  std::unordered_map<std::string, std::string> awaiting_;  // call id -> words of its last final
};

}  // namespace parley::bench
