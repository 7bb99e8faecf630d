#pragma once
// parley_rest_requests_total{endpoint,status}, counted for every VoIPBIN request: once an
// endpoint and a status were seen, their series is found without building a label and without
// a lock. The family's mutex and map are taken the first time only.

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "protocol/metric_types.hpp"
#include "protocol/voipbin_requests.hpp"

namespace parley {

class rest_request_counter {
 public:
  // One endpoint's series by status, filled as statuses are seen. Lives as long as the counter.
  struct endpoint {
    std::string label;  // e.g. POST /speakings/{id}/say
    uint64_t hash = 0;
    // Filled by inc() on a const endpoint: a cache of the family's series.
    mutable std::array<std::atomic<counter*>, 600> by_status{};  // HTTP status -> its series
    mutable std::array<std::atomic<counter*>, 16> by_error{};    // failure code -> its series
  };

  explicit rest_request_counter(labelled_counter& family) : family_(family) {}

  // The endpoint of `r`: lock-free once seen (beyond `cached` endpoints, found under the lock).
  const endpoint& of(const voipbin::rest_request& r);
  // Counts an answer with HTTP `status`.
  void inc(const endpoint& e, int status);
  // Counts a failure without an answer: `code` a small number naming it, `name` its label.
  void inc_error(const endpoint& e, unsigned code, std::string_view name);

  static constexpr std::size_t slots = 256;
  static constexpr std::size_t cached = 192;

 private:
  const endpoint* find(const voipbin::rest_request& r, uint64_t hash) const;
  const endpoint& add(const voipbin::rest_request& r, uint64_t hash);
  counter& series(const endpoint& e, std::string_view status);

  labelled_counter& family_;
  // Open addressing by label hash; a slot is written once, under the mutex.
  std::array<std::atomic<endpoint*>, slots> table_{};
  std::mutex mutex_;
  std::vector<std::unique_ptr<endpoint>> owned_;
  std::unordered_map<std::string, endpoint*> overflow_;  // endpoints beyond `cached`
};

}  // namespace parley
