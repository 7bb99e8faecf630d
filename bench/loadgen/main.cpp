// parley-loadgen: drives a voice-agent server with N simulated calls and measures it. It runs
// voipbin-sim and llm-sim in its own process (so one clock times both sides of every turn),
// starts the server under test (the command after "--"), ramps the calls in, and reports per
// turn the ingress overhead (caller's final transcript written -> LLM request received), the
// egress overhead (first token written -> first /say received; the first token carries the
// whole first sentence, so this is the server's own time) and the barge-in reaction
// (caller's speech frame written -> /flush received), plus errors, turns per second, and the
// server's CPU time and memory from /proc. Prints a table and writes JSON (--json).

#include <sys/resource.h>
#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "bench/loadgen/rss_trend.hpp"
#include "bench/loadgen/server_process.hpp"
#include "bench/loadgen/turn_timings.hpp"
#include "net/io_runtime.hpp"
#include "sim/cli.hpp"
#include "sim/llm_sim.hpp"
#include "sim/voipbin_sim.hpp"

namespace {

using namespace parley;
using namespace std::chrono_literals;
using nlohmann::json;

const char* usage =
    "Usage: parley-loadgen [options] -- SERVER_COMMAND...\n"
    "  --calls=N              calls (default 1000)\n"
    "  --turns=T              caller turns per call (default 3)\n"
    "  --think-ms=MS          the caller speaks once the agent has been quiet this long (default 1000)\n"
    "  --ramp-ms=MS           calls are placed evenly over this long (default 5000)\n"
    "  --barge-in=SHARE       share of turns after the first that interrupt the answer (default 0.1)\n"
    "  --playout-cps=N        the agent's speech plays at N characters a second (default 40)\n"
    "  --first-token-ms=MS    the model's first token comes this long after the request (default 100)\n"
    "  --token-ms=MS          and each further token this long after the last (default 20)\n"
    "  --idle-s=S             idle calls instead: every call waits silent until measured for S seconds\n"
    "  --soak-s=S             keep --calls calls live for S seconds (a new call for each that ends),\n"
    "                         sampling the server's RSS every 10 s; reports its slope\n"
    "  --voipbin-port=P       where the server must find VoIPBIN (default 28080)\n"
    "  --llm-port=P           where it must find the LLM (default 28090)\n"
    "  --subscribers=N        place calls once N servers have subscribed (the others started\n"
    "                         apart, e.g. cluster mode's further instances; default 1)\n"
    "  --label=NAME           the server's name in the report (default: the command's)\n"
    "  --log=FILE             the server's output (default /tmp/parley-loadgen-server.log)\n"
    "  --json=FILE            also write the figures as JSON\n"
    "  --timeout-s=S          give up after this long (default: from the load)\n";

struct load {
  std::size_t calls = 1000, turns = 3;
  long think_ms = 1000, ramp_ms = 5000;
  double barge_in = 0.1, playout_cps = 40;
  long first_token_ms = 100, token_ms = 20;
  long idle_s = 0;
  long soak_s = 0;
  int voipbin_port = 28080, llm_port = 28090;
  long timeout_s = 0;
  std::size_t subscribers = 1;
};

// The caller's words: unique per call and turn, so both simulators' hooks name the same turn.
std::string words(std::size_t call, std::size_t turn) {
  return "Caller " + std::to_string(call) + " asks question " + std::to_string(turn) + ".";
}

sim::scripted_call script(const load& l, std::size_t call) {
  std::vector<sim::caller_turn> turns;
  if (l.idle_s > 0) {
    sim::caller_turn t{words(call, 1)};
    t.on_cue = true;
    turns.push_back(t);
    return sim::scripted_call{turns};
  }
  for (std::size_t t = 1; t <= l.turns; ++t) {
    // A fixed spread, the same in every run: turn t of call c interrupts when its index falls in
    // the share.
    auto index = call * l.turns + t;
    bool interrupt = t > 1 && static_cast<double>((index * 7919) % 1000) < l.barge_in * 1000;
    turns.push_back(interrupt ? sim::caller_turn{words(call, t), 300ms} : sim::caller_turn{words(call, t)});
  }
  return sim::scripted_call{turns};
}

json to_json(const sim::busy_stats& b) {
  auto ms = [](std::chrono::nanoseconds d) { return std::chrono::duration<double, std::milli>(d).count(); };
  return {{"count", b.count},
          {"mean_ms", b.count ? ms(b.total) / static_cast<double>(b.count) : 0.0},
          {"max_ms", ms(b.max)},
          {"total_s", ms(b.total) / 1000},
          {"over_1ms", b.over_1ms}};
}

void print_busy(const char* name, const sim::busy_stats& b) {
  auto ms = [](std::chrono::nanoseconds d) { return std::chrono::duration<double, std::milli>(d).count(); };
  std::printf("  %-22s %8zu x, mean %.3f ms, max %.2f ms, %zu >= 1 ms, %.2f s in all\n", name, b.count,
              b.count ? ms(b.total) / static_cast<double>(b.count) : 0.0, ms(b.max), b.over_1ms,
              ms(b.total) / 1000);
}

// This process's own CPU seconds (the simulators and the driver, not the server under test).
double own_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

// How late a 20 ms timer runs on an io thread of the simulators: when it is late, the thread
// was busy (or waited for a core), and whatever else it had to do waited as long.
class io_lag {
 public:
  explicit io_lag(boost::asio::io_context& io) : timer_(io) {}
  void start() {
    timer_.expires_after(20ms);
    timer_.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      {
        std::lock_guard lock{mutex_};
        stats_.add(std::chrono::steady_clock::now() - timer_.expiry());
      }
      start();
    });
  }
  sim::busy_stats stats() const {
    std::lock_guard lock{mutex_};
    return stats_;
  }

 private:
  boost::asio::steady_timer timer_;
  mutable std::mutex mutex_;
  sim::busy_stats stats_;
};

json to_json(const bench::distribution& d) {
  return {{"count", d.count}, {"p50_ms", d.p50}, {"p90_ms", d.p90}, {"p99_ms", d.p99}, {"max_ms", d.max}};
}

void print_row(const char* name, const bench::distribution& d) {
  if (d.count == 0) return std::printf("  %-22s %8s\n", name, "-"), void();
  std::printf("  %-22s %8.2f %8.2f %8.2f %8.2f   %zu\n", name, d.p50, d.p90, d.p99, d.max, d.count);
}

}  // namespace

int main(int argc, char** argv) {
  int split = argc;
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]) == "--") {
      split = i;
      break;
    }
  auto args = sim::parse_cli(
      split, argv,
      {"calls", "turns", "think-ms", "ramp-ms", "barge-in", "playout-cps", "first-token-ms", "token-ms",
       "idle-s", "soak-s", "voipbin-port", "llm-port", "subscribers", "label", "log", "json", "timeout-s"},
      {"help"});
  std::vector<std::string> command(argv + std::min(split + 1, argc), argv + argc);
  if (!args.error.empty() || args.has("help") || command.empty()) {
    if (!args.error.empty()) std::fprintf(stderr, "parley-loadgen: %s\n", args.error.c_str());
    if (args.error.empty() && !args.has("help")) std::fprintf(stderr, "parley-loadgen: no server command\n");
    std::fputs(usage, stderr);
    return args.has("help") ? 0 : 2;
  }
  load l;
  std::string bad;
  auto number = [&](const char* name, double fallback) {
    auto v = args.number(name, fallback);
    if (!v) bad = name;
    return v.value_or(fallback);
  };
  l.calls = static_cast<std::size_t>(number("calls", 1000));
  l.turns = static_cast<std::size_t>(number("turns", 3));
  l.think_ms = static_cast<long>(number("think-ms", 1000));
  l.ramp_ms = static_cast<long>(number("ramp-ms", 5000));
  l.barge_in = number("barge-in", 0.1);
  l.playout_cps = number("playout-cps", 40);
  l.first_token_ms = static_cast<long>(number("first-token-ms", 100));
  l.token_ms = static_cast<long>(number("token-ms", 20));
  l.idle_s = static_cast<long>(number("idle-s", 0));
  l.soak_s = static_cast<long>(number("soak-s", 0));
  l.voipbin_port = static_cast<int>(number("voipbin-port", 28080));
  l.llm_port = static_cast<int>(number("llm-port", 28090));
  l.subscribers = static_cast<std::size_t>(number("subscribers", 1));
  l.timeout_s = static_cast<long>(number("timeout-s", 0));
  if (!bad.empty() || l.calls == 0 || l.turns == 0 || l.barge_in > 1) {
    std::fprintf(stderr, "parley-loadgen: --%s: not a valid number\n", bad.empty() ? "calls" : bad.c_str());
    return 2;
  }
  if (l.timeout_s == 0)
    l.timeout_s =
        60 + l.ramp_ms / 1000 + l.idle_s + l.soak_s + static_cast<long>(l.turns) * (l.think_ms / 1000 + 15);
  auto label = args.get("label", command.front());

  bench::turn_timings timings;
  net::io_runtime voipbin_io{1}, llm_io{1};
  sim::voipbin_sim_options vo;
  vo.quiet = std::chrono::milliseconds(l.think_ms);
  vo.playout_chars_per_second = l.playout_cps;
  vo.answer_timeout = std::chrono::milliseconds(l.think_ms + 20000);
  vo.record_requests = false;
  vo.forget_after = 60s;  // a soak places calls for hours: keep the simulator the size of the live ones
  vo.on_caller_final = [&](const std::string& call, const std::string& text) {
    timings.caller_final(call, text);
  };
  vo.on_say = [&](const std::string& call, const std::string&) { timings.say(call); };
  sim::voipbin_sim voipbin{voipbin_io.context(), vo};
  sim::llm_sim_options lo;
  lo.replies = {"You said: {user} Is there anything else I can do for you today?"};
  lo.first_token_delay = std::chrono::milliseconds(l.first_token_ms);
  lo.token_delay = std::chrono::milliseconds(l.token_ms);
  lo.record = false;
  lo.first_sentence_at_once = true;
  lo.on_request = [&](const std::string& user) { timings.llm_request(user); };
  lo.on_first_token = [&](const std::string& user) { timings.first_token(user); };
  sim::llm_sim llm{llm_io.context(), lo};
  if (auto p = voipbin.start("127.0.0.1", static_cast<uint16_t>(l.voipbin_port)); !p) {
    std::fprintf(stderr, "parley-loadgen: --voipbin-port: %s\n", p.error().message.c_str());
    return 2;
  }
  if (auto p = llm.start("127.0.0.1", static_cast<uint16_t>(l.llm_port)); !p) {
    std::fprintf(stderr, "parley-loadgen: --llm-port: %s\n", p.error().message.c_str());
    return 2;
  }
  io_lag voipbin_lag{voipbin_io.context()}, llm_lag{llm_io.context()};
  // The io threads stop before the probes go, however main() returns.
  struct stop_on_exit {
    net::io_runtime &a, &b;
    ~stop_on_exit() {
      a.stop();
      b.stop();
    }
  } stop_ios{voipbin_io, llm_io};
  voipbin_lag.start();
  llm_lag.start();
  voipbin_io.start();
  llm_io.start();

  bench::server_process server{command, args.get("log", "/tmp/parley-loadgen-server.log")};
  if (server.pid() <= 0) {
    std::fprintf(stderr, "parley-loadgen: cannot start %s\n", command.front().c_str());
    return 2;
  }
  auto started = bench::clock_type::now();
  auto deadline = started + std::chrono::seconds(l.timeout_s);
  // Subscribed, and settled: its empty footprint.
  while (voipbin.subscribers() < l.subscribers && server.running() && bench::clock_type::now() < deadline)
    std::this_thread::sleep_for(20ms);
  if (voipbin.subscribers() < l.subscribers) {
    std::fprintf(stderr, "parley-loadgen: %s never subscribed (see its log)\n", label.c_str());
    return 1;
  }
  std::this_thread::sleep_for(1s);
  auto empty = server.read();

  // Ramp the calls in, sampling the server as they run.
  std::vector<std::string> ids;
  auto t0 = bench::clock_type::now();
  std::size_t peak_live = 0;
  std::uint64_t rss_at_peak_live = 0;
  auto sample = [&] {
    auto live = voipbin.calls_placed() - voipbin.calls_finished();
    if (live >= peak_live) {
      peak_live = live;
      rss_at_peak_live = server.read().rss_kb;
    }
  };
  for (std::size_t i = 0; i < l.calls; ++i) {
    auto due =
        t0 + std::chrono::microseconds(l.ramp_ms * 1000 * static_cast<long>(i) / static_cast<long>(l.calls));
    if (due > bench::clock_type::now()) std::this_thread::sleep_until(due);
    ids.push_back(voipbin.place_call(script(l, i + 1)));
    if (i % 256 == 0) sample();
  }
  std::size_t placed = l.calls;
  json soak;
  if (l.soak_s > 0) {
    // Each call that ends is replaced at once, so about --calls are live throughout.
    std::vector<std::pair<double, double>> samples;  // seconds since the ramp, RSS KB
    auto next_sample = t0;
    while (bench::clock_type::now() < t0 + std::chrono::seconds(l.soak_s) && server.running()) {
      auto live = voipbin.calls_placed() - voipbin.calls_finished();
      for (; live < l.calls; ++live) voipbin.place_call(script(l, ++placed));
      sample();
      if (auto now = bench::clock_type::now(); now >= next_sample) {
        samples.emplace_back(std::chrono::duration<double>(now - t0).count(), server.read().rss_kb);
        next_sample += 10s;
      }
      std::this_thread::sleep_for(100ms);
    }
    soak = bench::rss_trend(samples);
    soak["duration_s"] = l.soak_s;
  }
  json idle;
  if (l.idle_s > 0) {
    while (voipbin.live_transcribes() < l.calls && bench::clock_type::now() < deadline)
      std::this_thread::sleep_for(50ms);
    std::this_thread::sleep_for(2s);
    auto before = server.read();
    std::this_thread::sleep_for(std::chrono::seconds(l.idle_s));
    auto after = server.read();
    idle = {{"calls", voipbin.live_transcribes()},
            {"rss_kb", after.rss_kb},
            {"per_call_kb", (static_cast<double>(after.rss_kb) - empty.rss_kb) / l.calls},
            {"cpu_share_of_core", (after.cpu_seconds - before.cpu_seconds) / l.idle_s}};
    rss_at_peak_live = after.rss_kb;
    peak_live = voipbin.live_transcribes();
    // Then each caller speaks once, spread over the ramp as the calls came (all at the same
    // instant would measure a thundering herd, not idle calls waking up).
    auto cued = bench::clock_type::now();
    for (std::size_t i = 0; i < ids.size(); ++i) {
      std::this_thread::sleep_until(cued + std::chrono::microseconds(l.ramp_ms * 1000 * static_cast<long>(i) /
                                                                     static_cast<long>(ids.size())));
      voipbin.cue(ids[i]);
    }
  }
  while (voipbin.calls_finished() < l.calls && server.running() && bench::clock_type::now() < deadline) {
    sample();
    std::this_thread::sleep_for(100ms);
  }
  auto wall = std::chrono::duration<double>(bench::clock_type::now() - t0).count();
  // The agent stops its speaking sessions after each call; give it a moment for the last.
  for (int i = 0; i < 100 && voipbin.live_speakings() > 0; ++i) std::this_thread::sleep_for(50ms);
  auto end = server.read();
  bool alive = server.running();
  int exit_status = server.stop(10000);
  auto t = timings.compute();
  auto reactions = voipbin.cut_reactions();
  std::vector<double> cut_ms;
  for (auto r : reactions) cut_ms.push_back(r.count() / 1000.0);
  auto barge = bench::summarize(cut_ms);
  auto violations = voipbin.violations().size();
  auto finished = voipbin.calls_finished();
  auto left = voipbin.live_speakings();
  auto sim_load = voipbin.load();
  auto voipbin_late = voipbin_lag.stats(), llm_late = llm_lag.stats();
  voipbin.stop();
  llm.stop();
  voipbin_io.stop();
  llm_io.stop();

  std::size_t unfinished = placed - std::min(finished, placed);
  std::size_t unanswered = t.finals - t.answered;
  std::size_t errors = unfinished + unanswered + violations + (alive ? 0 : 1);
  double cpu = end.cpu_seconds - empty.cpu_seconds;
  double per_live_kb =
      peak_live == 0
          ? 0
          : (static_cast<double>(rss_at_peak_live) - static_cast<double>(empty.rss_kb)) / peak_live;

  std::printf("%s: %zu calls x %zu turns, think %ld ms, ramp %ld ms, barge-in %.0f %%\n", label.c_str(),
              l.calls, l.idle_s > 0 ? 1 : l.turns, l.think_ms, l.ramp_ms, l.barge_in * 100);
  std::printf(
      "  turns %zu, answered %zu, errors %zu (calls unfinished %zu, unanswered %zu, stale says %zu%s)\n",
      t.finals, t.answered, errors, unfinished, unanswered, violations, alive ? "" : ", server died");
  std::printf("  wall %.1f s, %.1f turns/s\n", wall, t.finals / wall);
  std::printf("  CPU %.2f s (user %.2f, sys %.2f), %.0f us per turn\n", cpu,
              end.user_seconds - empty.user_seconds, end.system_seconds - empty.system_seconds,
              t.finals ? cpu * 1e6 / t.finals : 0.0);
  std::printf("  RSS empty %.1f MiB, peak %.1f MiB; %zu calls live at most, %.1f KB each\n",
              empty.rss_kb / 1024.0, end.peak_rss_kb / 1024.0, peak_live, per_live_kb * 1.024);
  if (!soak.is_null())
    std::printf("  soak: %zu calls placed in %ld s, RSS %.1f -> %.1f MiB, slope %.1f KB/min after warm-up\n",
                placed, l.soak_s, soak["first_kb"].get<double>() / 1024, soak["last_kb"].get<double>() / 1024,
                soak["slope_kb_per_min"].get<double>());
  if (!idle.is_null())
    std::printf("  idle: %.1f KB a call, %.2f %% of a core\n", idle["per_call_kb"].get<double>() * 1.024,
                idle["cpu_share_of_core"].get<double>() * 100);
  std::printf("  %-22s %8s %8s %8s %8s   count\n", "overhead (ms)", "p50", "p90", "p99", "max");
  print_row("ingress", t.ingress);
  print_row("egress", t.egress);
  print_row("barge-in reaction", barge);
  auto own_cpu = own_cpu_seconds();
  std::printf("  simulators (this process): CPU %.2f s\n", own_cpu);
  print_busy("voipbin-sim tick", sim_load.tick);
  print_busy("  of which held", sim_load.tick_held);
  print_busy("  its CPU", sim_load.tick_cpu);
  print_busy("  lateness", sim_load.tick_late);
  print_busy("voipbin-sim requests", sim_load.requests);
  print_busy("voipbin io thread lag", voipbin_late);
  print_busy("llm io thread lag", llm_late);
  std::printf("  voipbin-sim WebSocket frames %zu\n", sim_load.frames);

  if (args.has("json")) {
    json out{{"label", label},
             {"calls", l.calls},
             {"turns_per_call", l.idle_s > 0 ? 1 : l.turns},
             {"think_ms", l.think_ms},
             {"ramp_ms", l.ramp_ms},
             {"barge_in_share", l.barge_in},
             {"first_token_ms", l.first_token_ms},
             {"turns", t.finals},
             {"answered", t.answered},
             {"errors", errors},
             {"wall_s", wall},
             {"turns_per_s", t.finals / wall},
             {"cpu_s", cpu},
             {"cpu_user_s", end.user_seconds - empty.user_seconds},
             {"cpu_system_s", end.system_seconds - empty.system_seconds},
             {"cpu_per_turn_us", t.finals ? cpu * 1e6 / t.finals : 0.0},
             {"rss_empty_kb", empty.rss_kb},
             {"rss_peak_kb", end.peak_rss_kb},
             {"peak_live_calls", peak_live},
             {"per_live_call_kb", per_live_kb},
             {"threads", end.threads},
             {"exit_status", exit_status},
             {"ingress", to_json(t.ingress)},
             {"egress", to_json(t.egress)},
             {"barge_in", to_json(barge)},
             {"speakings_left", left},
             {"simulators",
              {{"cpu_s", own_cpu},
               {"tick", to_json(sim_load.tick)},
               {"tick_held", to_json(sim_load.tick_held)},
               {"tick_cpu", to_json(sim_load.tick_cpu)},
               {"tick_late", to_json(sim_load.tick_late)},
               {"frames", sim_load.frames},
               {"voipbin_io_lag", to_json(voipbin_late)},
               {"llm_io_lag", to_json(llm_late)},
               {"requests_held", to_json(sim_load.requests)}}}};
    if (!idle.is_null()) out["idle"] = idle;
    if (!soak.is_null()) out["soak"] = soak;
    out["calls_placed"] = placed;
    std::ofstream(args.get("json", "")) << out.dump(2) << "\n";
  }
  return errors == 0 ? 0 : 1;
}
