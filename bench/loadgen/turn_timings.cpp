#include "bench/loadgen/turn_timings.hpp"

#include <algorithm>

namespace parley::bench {

distribution summarize(std::vector<double> ms) {
  distribution d;
  d.count = ms.size();
  if (ms.empty()) return d;
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) { return ms[std::min(ms.size() - 1, static_cast<std::size_t>(q * ms.size()))]; };
  d.p50 = at(0.5);
  d.p90 = at(0.9);
  d.p99 = at(0.99);
  d.max = ms.back();
  return d;
}

void turn_timings::caller_final(const std::string& call_id, const std::string& words) {
  auto now = clock_type::now();
  std::lock_guard lock{mutex_};
  turns_[words].final_at = now;
  awaiting_[call_id] = words;
}

void turn_timings::say(const std::string& call_id) {
  auto now = clock_type::now();
  std::lock_guard lock{mutex_};
  auto w = awaiting_.find(call_id);
  if (w == awaiting_.end()) return;
  auto& t = turns_[w->second];
  // The first /say of the answer: only once its first token is out (an earlier /say belongs to
  // the answer before).
  if (t.token_at != clock_type::time_point{} && t.say_at == clock_type::time_point{}) t.say_at = now;
}

void turn_timings::llm_request(const std::string& words) {
  auto now = clock_type::now();
  std::lock_guard lock{mutex_};
  auto& t = turns_[words];
  if (t.request_at == clock_type::time_point{}) t.request_at = now;
}

void turn_timings::first_token(const std::string& words) {
  auto now = clock_type::now();
  std::lock_guard lock{mutex_};
  auto& t = turns_[words];
  if (t.token_at == clock_type::time_point{}) t.token_at = now;
}

turn_timings::totals turn_timings::compute() const {
  std::lock_guard lock{mutex_};
  totals out;
  std::vector<double> in, eg;
  auto ms = [](clock_type::duration d) { return std::chrono::duration<double, std::milli>(d).count(); };
  for (const auto& [_, t] : turns_) {
    if (t.final_at == clock_type::time_point{}) continue;
    ++out.finals;
    if (t.request_at >= t.final_at) {
      ++out.asked;
      in.push_back(ms(t.request_at - t.final_at));
    }
    if (t.say_at != clock_type::time_point{} && t.token_at != clock_type::time_point{}) {
      ++out.answered;
      eg.push_back(ms(t.say_at - t.token_at));
    }
  }
  out.ingress = summarize(std::move(in));
  out.egress = summarize(std::move(eg));
  return out;
}

}  // namespace parley::bench
