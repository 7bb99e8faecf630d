// voipbin-sim: run the VoIPBIN simulator as a program. It places scripted calls once parley
// (or any client) has subscribed, answers the calls a client places with POST /calls with a
// scripted callee, prints the conversation as it happens, and with --exit-when-done exits when
// every call has ended.

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <mutex>
#include <optional>
#include <thread>

#include "net/http_server.hpp"
#include "net/io_runtime.hpp"
#include "sim/cli.hpp"
#include "sim/voipbin_sim.hpp"

namespace {

volatile std::sig_atomic_t interrupted = 0;

const char* usage =
    "Usage: voipbin-sim [options]\n"
    "  --listen=HOST:PORT      address to serve REST and WebSocket on (default 127.0.0.1:18080)\n"
    "  --customer-id=UUID      the simulated customer\n"
    "  --accesskey=KEY         the access key clients must send (default sim-accesskey)\n"
    "  --script=FILE           JSON {\"calls\":[{\"utterances\":[\"...\", "
    "{\"text\":\"...\",\"interrupt_after_ms\":800}]}]}\n"
    "                          (default: a built-in script); \"\" is a noise; a call may add\n"
    "                          \"confbridge\":true (POST /transfers accepts it) and\n"
    "                          \"transfer_answers\":false (nobody answers its transfer)\n"
    "  --calls=N               calls to place, cycling through the script (default: one per script entry)\n"
    "  --outbound-script=FILE  what the callee of a call placed by POST /calls says: a file like --script\n"
    "                          holding one call (default: \"Hello, who is this?\", \"Thanks, goodbye.\")\n"
    "  --outbound-ring-ms=MS   a call placed by POST /calls is answered this long after (default 200)\n"
    "  --outbound-no-answer=T  a call placed by POST /calls to target T is never answered\n"
    "  --quiet-ms=MS           agent silence after which the caller speaks (default 400)\n"
    "  --start-delay-ms=MS     wait this long after the first subscription before the calls start\n"
    "  --word-ms=MS            the caller's words come this far apart, one interim each (default 0)\n"
    "  --noise-ms=MS           how long a noise turn lasts (default 300)\n"
    "  --playout-cps=N         the agent's speech plays at N characters a second (default 0: at once)\n"
    "  --tts-generation-ms=MS  ElevenLabs: text sent this long before a /flush still plays (default 300)\n"
    "  --webhook-url=URL       also deliver events as signed webhooks to URL\n"
    "  --webhook-secret=S      the webhook signing secret (default sim-webhook-secret)\n"
    "  --exit-when-done        exit when every call (placed by POST /calls too) has hung up or been\n"
    "                          transferred (status 1 if a speaking was left active)\n"
    "  --silent                do not print the conversation\n";

std::vector<parley::sim::scripted_call> builtin_script() {
  return {{{"Hi, I'd like to book a table for two tonight.", "Around seven thirty, please.",
            "No, that's all. Thank you!"}}};
}

}  // namespace

int main(int argc, char** argv) {
  using namespace parley;
  auto args =
      sim::parse_cli(argc, argv,
                     {"listen", "customer-id", "accesskey", "script", "calls", "outbound-script",
                      "outbound-ring-ms", "outbound-no-answer", "quiet-ms", "start-delay-ms", "word-ms",
                      "noise-ms", "playout-cps", "tts-generation-ms", "webhook-url", "webhook-secret"},
                     {"exit-when-done", "silent", "help"});
  if (!args.error.empty() || args.has("help")) {
    if (!args.error.empty()) std::fprintf(stderr, "voipbin-sim: %s\n", args.error.c_str());
    std::fputs(usage, stderr);
    return args.error.empty() ? 0 : 2;
  }
  // A script file (--script's format) as the option `name` names it; prints why not and gives
  // nullopt when it cannot be read or parsed.
  auto read_script = [&](const char* name) -> std::optional<std::vector<sim::scripted_call>> {
    std::ifstream in(args.get(name, ""));
    if (!in) {
      std::fprintf(stderr, "voipbin-sim: --%s: cannot read %s\n", name, args.get(name, "").c_str());
      return std::nullopt;
    }
    auto parsed =
        sim::parse_call_script({std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()});
    if (!parsed) {
      std::fprintf(stderr, "voipbin-sim: --%s: %s\n", name, parsed.error().message.c_str());
      return std::nullopt;
    }
    return std::move(*parsed);
  };
  auto script = builtin_script();
  if (args.has("script")) {
    auto parsed = read_script("script");
    if (!parsed) return 2;
    script = std::move(*parsed);
  }
  std::optional<sim::scripted_call> outbound_script;
  if (args.has("outbound-script")) {
    auto parsed = read_script("outbound-script");
    if (!parsed) return 2;
    if (parsed->size() != 1) {
      std::fprintf(stderr, "voipbin-sim: --outbound-script: \"calls\" must hold exactly one call\n");
      return 2;
    }
    outbound_script = std::move(parsed->front());
  }
  auto listen = net::parse_listen_address(args.get("listen", "127.0.0.1:18080"));
  if (!listen) {
    std::fprintf(stderr, "voipbin-sim: --listen: %s\n", listen.error().message.c_str());
    return 2;
  }
  std::size_t calls = std::stoul(args.get("calls", std::to_string(script.size())));

  auto started = std::chrono::steady_clock::now();
  std::mutex out_mutex;
  sim::voipbin_sim_options o;
  if (args.has("customer-id")) o.customer_id = args.get("customer-id", "");
  o.accesskey = args.get("accesskey", o.accesskey);
  // A number option, >= 0; sets `bad` to the option's name when it is not one.
  std::string bad;
  auto number = [&](const char* name, double fallback) {
    auto v = args.number(name, fallback);
    if (!v) bad = name;
    return v.value_or(fallback);
  };
  auto ms = [&](const char* name, double fallback) {
    return std::chrono::milliseconds(static_cast<long long>(number(name, fallback)));
  };
  o.quiet = ms("quiet-ms", 400);
  o.start_delay = ms("start-delay-ms", 0);
  o.word_ms = ms("word-ms", 0);
  o.noise_ms = ms("noise-ms", 300);
  o.playout_chars_per_second = number("playout-cps", 0);
  o.tts_generation_ms = ms("tts-generation-ms", 300);
  o.outbound_ring = ms("outbound-ring-ms", 200);
  if (!bad.empty()) {
    std::fprintf(stderr, "voipbin-sim: --%s: not a number >= 0\n", bad.c_str());
    return 2;
  }
  if (outbound_script) o.outbound_script = std::move(*outbound_script);
  o.outbound_no_answer = args.get("outbound-no-answer", "");
  o.webhook_url = args.get("webhook-url", "");
  o.webhook_secret = args.get("webhook-secret", "sim-webhook-secret");
  if (!args.has("silent"))
    o.on_line = [&](const std::string& call, const std::string& line) {
      auto t = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      std::lock_guard lock{out_mutex};
      std::printf("%7.2fs  %-8s %s\n", t, call.c_str(), line.c_str());
      std::fflush(stdout);
    };

  net::io_runtime io{1};
  sim::voipbin_sim sim{io.context(), o};
  auto port = sim.start(listen->first, listen->second);
  if (!port) {
    std::fprintf(stderr, "voipbin-sim: --listen: %s\n", port.error().message.c_str());
    return 2;
  }
  io.start();
  std::printf(
      "voipbin-sim on http://%s:%u/v1.0 (ws://%s:%u/v1.0/ws), customer %s; %zu calls once a client "
      "subscribes\n",
      listen->first.c_str(), *port, listen->first.c_str(), *port, o.customer_id.c_str(), calls);
  std::fflush(stdout);
  for (std::size_t i = 0; i < calls; ++i) sim.place_call(script[i % script.size()]);

  std::signal(SIGINT, [](int) { interrupted = 1; });
  std::signal(SIGTERM, [](int) { interrupted = 1; });
  bool exit_when_done = args.has("exit-when-done");
  while (!interrupted) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (exit_when_done && sim.calls_finished() >= sim.calls_placed()) break;
  }
  int rc = 0;
  if (exit_when_done && !interrupted) {
    // Give the agent time to stop its sessions, then check that it did.
    for (int i = 0; i < 100 && sim.live_speakings() > 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto live = sim.live_speakings();
    std::printf("voipbin-sim: %zu calls ended; %zu REST requests; %zu speaking sessions left active\n",
                sim.calls_finished(), sim.requests().size(), live);
    rc = live == 0 ? 0 : 1;
    auto report = [](const char* what, std::vector<std::chrono::microseconds> xs) {
      if (xs.empty()) return;
      std::sort(xs.begin(), xs.end());
      auto at = [&](double q) {
        return xs[std::min(xs.size() - 1, static_cast<std::size_t>(q * xs.size()))].count() / 1000.0;
      };
      std::printf("voipbin-sim: %s over %zu: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", what, xs.size(),
                  at(0.5), at(0.99), xs.back().count() / 1000.0);
    };
    report("caller final written -> first /say received", sim.answer_latencies());
    report("barge-in reaction, caller speech frame written -> /flush received", sim.cut_reactions());
    report("talked over the caller, caller speech started -> /flush received", sim.talk_over_times());
    if (auto v = sim.violations(); !v.empty()) {
      std::printf("voipbin-sim: %zu stale /say after a flush\n", v.size());
      rc = 1;
    }
  }
  sim.stop();
  io.stop();
  return rc;
}
