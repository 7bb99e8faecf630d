#include "protocol/call_record.hpp"

#include <algorithm>
#include <ctime>
#include <nlohmann/json.hpp>

namespace parley {

turn_record& call_record::turn_at(uint64_t turn, int64_t unix_ms, std::size_t max_turns) {
  // Events come in turn order, so the turn is the newest one or a new one.
  for (auto it = turns.rbegin(); it != turns.rend(); ++it)
    if (it->turn == turn) return *it;
  turn_record t;
  t.turn = turn;
  t.unix_ms = unix_ms;
  turns.push_back(std::move(t));
  if (max_turns > 0 && turns.size() > max_turns) {
    turns.erase(turns.begin());
    ++turns_dropped;
  }
  return turns.back();
}

namespace {

void append(std::string& to, const std::string& text) {
  if (text.empty()) return;
  if (!to.empty()) to += ' ';
  to += text;
}

}  // namespace

void call_record::apply(const plugin::call_event& ev, std::size_t max_turns) {
  using kind = plugin::call_event_kind;
  switch (ev.kind) {
    case kind::answered:
      if (started_unix_ms == 0) started_unix_ms = ev.unix_ms;
      adopted = adopted || ev.text == "adopted";
      phase = "listening";
      return;
    case kind::caller_said:
      append(turn_at(ev.turn, ev.unix_ms, max_turns).caller, ev.text);
      phase = "thinking";
      return;
    case kind::agent_said:
      append(turn_at(ev.turn, ev.unix_ms, max_turns).said, ev.text);
      phase = "speaking";
      return;
    case kind::heard:
      turn_at(ev.turn, ev.unix_ms, max_turns).heard = ev.text;
      phase = "listening";
      return;
    case kind::barge_in: {
      auto& t = turn_at(ev.turn, ev.unix_ms, max_turns);
      t.heard = ev.text;
      t.interrupted = true;
      phase = "listening";
      return;
    }
    case kind::tool_call:
      turn_at(ev.turn, ev.unix_ms, max_turns).tools.push_back({ev.tool, ev.text, ev.result, ev.error});
      return;
    case kind::ended:
      ended = ev.text.empty() ? "ended" : ev.text;
      ended_unix_ms = ev.unix_ms;
      phase = "ended";
      return;
  }
}

void call_record::add_latency(uint64_t turn, std::string_view stage, double ms) {
  for (auto it = turns.rbegin(); it != turns.rend(); ++it) {
    if (it->turn != turn) continue;
    for (auto& [name, value] : it->latency_ms)
      if (name == stage) {
        value = ms;
        return;
      }
    it->latency_ms.emplace_back(std::string(stage), ms);
    return;
  }
}

std::optional<double> call_record::last_turn_latency_ms() const {
  for (auto it = turns.rbegin(); it != turns.rend(); ++it)
    for (const auto& [name, value] : it->latency_ms)
      if (name == "first_say") return value;
  return std::nullopt;
}

std::size_t call_record::caller_turns() const {
  return static_cast<std::size_t>(
      std::count_if(turns.begin(), turns.end(), [](const turn_record& t) { return !t.caller.empty(); }));
}

std::string rfc3339_ms(int64_t unix_ms) {
  std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(unix_ms % 1000));
  return out;
}

namespace {

nlohmann::json turn_json(const turn_record& t) {
  nlohmann::json tools = nlohmann::json::array();
  for (const auto& u : t.tools)
    tools.push_back({{"name", u.name}, {"arguments", u.arguments}, {"result", u.result}, {"error", u.error}});
  nlohmann::json latency = nlohmann::json::object();
  for (const auto& [stage, ms] : t.latency_ms) latency[stage] = ms;
  return {{"turn", t.turn},
          {"at", rfc3339_ms(t.unix_ms)},
          {"caller", t.caller},
          {"said", t.said},
          {"heard", t.heard},
          {"interrupted", t.interrupted},
          {"tools", std::move(tools)},
          {"latency_ms", std::move(latency)}};
}

}  // namespace

nlohmann::json summary_json(const call_record& r) {
  nlohmann::json j = {{"call_id", r.call.call_id}, {"profile", r.call.profile},
                      {"source", r.call.source},   {"destination", r.call.destination},
                      {"direction", r.direction},  {"adopted", r.adopted},
                      {"phase", r.phase},          {"started_at", rfc3339_ms(r.started_unix_ms)},
                      {"turns", r.caller_turns()}};
  auto last = r.last_turn_latency_ms();
  j["last_turn_latency_ms"] = last ? nlohmann::json(*last) : nlohmann::json();
  if (r.ended_unix_ms != 0) {
    j["ended_at"] = rfc3339_ms(r.ended_unix_ms);
    j["ended"] = r.ended;
  }
  return j;
}

nlohmann::json to_json(const call_record& r) {
  auto j = summary_json(r);
  nlohmann::json turns = nlohmann::json::array();
  for (const auto& t : r.turns) turns.push_back(turn_json(t));
  j["conversation"] = std::move(turns);
  if (r.turns_dropped > 0) j["turns_dropped"] = r.turns_dropped;
  return j;
}

nlohmann::json event_json(const plugin::call_event& ev) {
  nlohmann::json j = {{"kind", plugin::to_string(ev.kind)},
                      {"turn", ev.turn},
                      {"text", ev.text},
                      {"at", rfc3339_ms(ev.unix_ms)}};
  if (ev.kind == plugin::call_event_kind::tool_call) {
    j["tool"] = ev.tool;
    j["result"] = ev.result;
    j["error"] = ev.error;
  }
  return j;
}

}  // namespace parley
