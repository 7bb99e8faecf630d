#pragma once
// The conversations of the live calls, and of the last calls that ended: what the admin API
// (GET /v1/calls), the dashboard's live stream and the call records read. Each call's
// supervisor writes its events here as they happen; any thread may read. Thread-safe.

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "protocol/call_record.hpp"

namespace parley {

class call_journal {
 public:
  struct options {
    std::size_t max_turns = 500;   // per call; the oldest turns go first
    std::size_t ended_kept = 200;  // ended calls still shown by GET /v1/calls/{id}
  };
  // Told every change: an SSE event name ("call", "ended") and its JSON. Called on the thread
  // that made the change, under the journal's lock (so nothing is told twice or missed against
  // the snapshot a listener starts from): it must only hand the text on.
  using listener = std::function<void(std::string_view event, const std::string& data)>;
  // Given each call's whole record when it ends (the call records).
  using ended_sink = std::function<void(const call_record&)>;

  call_journal() : call_journal(options{}) {}
  explicit call_journal(options o) : opts_(o) {}

  // Before the first call.
  void set_ended_sink(ended_sink sink) { sink_ = std::move(sink); }

  void begin(const plugin::call_info& call, std::string direction, int64_t unix_ms);
  void event(const std::string& call_id, const plugin::call_event& ev);
  void latency(const std::string& call_id, uint64_t turn, std::string_view stage, double ms);

  // The live calls, oldest first, without their turns.
  nlohmann::json live_calls() const;
  // Every live call with its turns: what a new dashboard starts from.
  nlohmann::json snapshot() const;
  // How many listeners hear the changes.
  std::size_t listeners() const;
  // A live call, or one of the last that ended, with its turns.
  std::optional<nlohmann::json> find(const std::string& call_id) const;
  bool live(const std::string& call_id) const;

  // `snapshot_out` is set to snapshot() as of the moment the listener starts to hear.
  uint64_t subscribe(listener l, nlohmann::json* snapshot_out = nullptr);
  void unsubscribe(uint64_t id);

 private:
  nlohmann::json snapshot_locked() const;
  void publish(std::string_view event, const std::string& data);  // under mu_

  options opts_;
  ended_sink sink_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, call_record> live_;
  uint64_t next_order_ = 0;
  std::map<uint64_t, std::string> order_;  // live calls by when they began
  std::unordered_map<std::string, uint64_t> order_of_;
  std::deque<call_record> ended_;
  std::map<uint64_t, listener> listeners_;
  uint64_t next_listener_ = 0;
  std::atomic<bool> listened_{false};
};

}  // namespace parley
