#include "protocol/call_journal.hpp"

#include <nlohmann/json.hpp>

namespace parley {

void call_journal::begin(const plugin::call_info& call, std::string direction, int64_t unix_ms) {
  std::lock_guard lock(mu_);
  auto [it, fresh] = live_.try_emplace(call.call_id);
  if (!fresh) return;
  it->second.call = call;
  it->second.direction = std::move(direction);
  it->second.started_unix_ms = unix_ms;
  order_of_[call.call_id] = next_order_;
  order_.emplace(next_order_++, call.call_id);
  if (listened_) publish("call", nlohmann::json{{"call", summary_json(it->second)}}.dump());
}

void call_journal::event(const std::string& call_id, const plugin::call_event& ev) {
  std::optional<call_record> ended;
  {
    std::lock_guard lock(mu_);
    auto it = live_.find(call_id);
    if (it == live_.end()) return;
    it->second.apply(ev, opts_.max_turns);
    bool last = ev.kind == plugin::call_event_kind::ended;
    if (listened_)
      publish(last ? "ended" : "call",
              nlohmann::json{{"call", summary_json(it->second)}, {"event", event_json(ev)}}.dump());
    if (ev.kind == plugin::call_event_kind::ended) {
      if (sink_) ended = it->second;
      ended_.push_back(std::move(it->second));
      if (ended_.size() > opts_.ended_kept) ended_.pop_front();
      live_.erase(it);
      auto o = order_of_.find(call_id);
      order_.erase(o->second);
      order_of_.erase(o);
    }
  }
  if (ended) sink_(*ended);
}

void call_journal::latency(const std::string& call_id, uint64_t turn, std::string_view stage, double ms) {
  std::lock_guard lock(mu_);
  auto it = live_.find(call_id);
  if (it == live_.end()) return;
  it->second.add_latency(turn, stage, ms);
  if (listened_)
    publish("call", nlohmann::json{{"call", summary_json(it->second)},
                                   {"latency", {{"turn", turn}, {"stage", stage}, {"ms", ms}}}}
                        .dump());
}

nlohmann::json call_journal::live_calls() const {
  auto out = nlohmann::json::array();
  std::lock_guard lock(mu_);
  for (const auto& [_, id] : order_) out.push_back(summary_json(live_.at(id)));
  return out;
}

nlohmann::json call_journal::snapshot() const {
  std::lock_guard lock(mu_);
  return snapshot_locked();
}

nlohmann::json call_journal::snapshot_locked() const {
  auto out = nlohmann::json::array();
  for (const auto& [_, id] : order_) out.push_back(to_json(live_.at(id)));
  return out;
}

std::optional<nlohmann::json> call_journal::find(const std::string& call_id) const {
  std::lock_guard lock(mu_);
  if (auto it = live_.find(call_id); it != live_.end()) return to_json(it->second);
  for (auto it = ended_.rbegin(); it != ended_.rend(); ++it)
    if (it->call.call_id == call_id) return to_json(*it);
  return std::nullopt;
}

bool call_journal::live(const std::string& call_id) const {
  std::lock_guard lock(mu_);
  return live_.count(call_id) > 0;
}

uint64_t call_journal::subscribe(listener l, nlohmann::json* snapshot_out) {
  std::lock_guard lock(mu_);
  if (snapshot_out) *snapshot_out = snapshot_locked();
  auto id = next_listener_++;
  listeners_.emplace(id, std::move(l));
  listened_ = true;
  return id;
}

void call_journal::unsubscribe(uint64_t id) {
  std::lock_guard lock(mu_);
  listeners_.erase(id);
  listened_ = !listeners_.empty();
}

std::size_t call_journal::listeners() const {
  std::lock_guard lock(mu_);
  return listeners_.size();
}

void call_journal::publish(std::string_view event, const std::string& data) {
  for (const auto& [_, l] : listeners_) l(event, data);
}

}  // namespace parley
