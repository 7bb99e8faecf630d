#pragma once
// parley as a process against voipbin-sim and llm-sim running in the test process, over
// real loopback sockets.

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "net/io_runtime.hpp"
#include "process.hpp"
#include "sim/llm_sim.hpp"
#include "sim/voipbin_sim.hpp"

namespace parley::test {

using nlohmann::json;

// A readable test name for each LLM fault, for parametrised fault suites.
inline std::string fault_name(const ::testing::TestParamInfo<sim::llm_fault>& info) {
  switch (info.param) {
    case sim::llm_fault::http_500:
      return "Http500";
    case sim::llm_fault::stall:
      return "Stall";
    case sim::llm_fault::malformed:
      return "MalformedStream";
    case sim::llm_fault::disconnect:
      return "Disconnect";
    case sim::llm_fault::error_event:
      return "ErrorEvent";
  }
  return "Unknown";
}

template <class Pred>
inline bool eventually(Pred p, std::chrono::milliseconds limit = std::chrono::seconds(30)) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (p()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return p();
}

// A call whose caller says `first` and then stays on the line, silent, for `linger` (until the
// test or parley ends it).
inline sim::scripted_call lingering_call(const std::string& first,
                                         std::chrono::milliseconds linger = std::chrono::minutes(2)) {
  sim::caller_turn later("are you still there");
  later.follow_after = linger;
  return sim::scripted_call(std::vector<sim::caller_turn>{sim::caller_turn(first), later});
}

inline const std::string system_prompt = "You are a test agent.";
inline const std::string greeting = "Hello, this is the test agent.";

class Conversation : public ::testing::Test {
 protected:
  void start(sim::llm_sim_options llm_opts, std::vector<std::string> extra = {},
             std::chrono::milliseconds caller_patience = std::chrono::milliseconds(300),
             const char* binary = PARLEY_BINARY,
             const std::function<void(sim::voipbin_sim_options&)>& tweak = {}) {
    sim::voipbin_sim_options vo;
    vo.quiet = caller_patience;
    if (webhook_port == 0) webhook_port = test::free_port();
    if (tweak) tweak(vo);
    voipbin = std::make_unique<sim::voipbin_sim>(io.context(), vo);
    llm = std::make_unique<sim::llm_sim>(io.context(), std::move(llm_opts));
    auto vport = voipbin->start("127.0.0.1", 0);
    auto lport = llm->start("127.0.0.1", 0);
    ASSERT_TRUE(vport && lport);
    llm_port = *lport;
    io.start();
    std::string v = "127.0.0.1:" + std::to_string(*vport);
    base_args = {
        "--voipbin.api-url=http://" + v + "/v1.0",
        "--voipbin.ws-url=ws://" + v + "/v1.0/ws",
        "--voipbin.customer-id=" + vo.customer_id,
        "--voipbin.accesskey=" + vo.accesskey,
        "--llm.provider=openai",
        "--llm.base-url=http://127.0.0.1:" + std::to_string(*lport) + "/v1",
        "--llm.model=sim-model",
        "--llm.api-key=sk-test-secret",
        "--agent.system-prompt=" + system_prompt,
        "--agent.greeting=" + greeting,
        "--log.level=debug",
    };
    launch(extra, binary);
  }

  // Starts parley (again) against the running simulators and waits until it is ready: listening,
  // subscribed (with a WebSocket) and, unless agent.adopt-on-start is false, done asking for
  // the live calls it could take over (so that request comes before the test's calls).
  // "{llm}" in `extra` is llm-sim's address.
  void launch(const std::vector<std::string>& extra, const char* binary = PARLEY_BINARY) {
    admin_port = test::free_port();
    auto args = base_args;
    args.push_back("--admin.listen=127.0.0.1:" + std::to_string(admin_port));
    for (auto arg : extra) {
      if (auto at = arg.find("{llm}"); at != std::string::npos)
        arg.replace(at, 5, "127.0.0.1:" + std::to_string(llm_port));
      args.push_back(std::move(arg));
    }
    auto has = [&](const std::string& arg) {
      return std::find(extra.begin(), extra.end(), arg) != extra.end();
    };
    bool websocket = !has("--events.mode=webhook");
    bool adopting = !has("--agent.adopt-on-start=false");
    auto listings = [&] {
      std::size_t n = 0;
      for (const auto& r : voipbin->requests()) n += r.method == "GET" && r.path == "/calls";
      return n;
    };
    auto listed_before = listings();
    parley = std::make_unique<test::child_process>(binary, args);
    auto ready = [&] {
      return (!websocket || !wait_for_subscription || voipbin->subscribers() == 1) &&
             !test::http_get(admin_port, "/healthz").empty() &&
             (!adopting || (websocket && !wait_for_subscription) || listings() > listed_before);
    };
    ASSERT_TRUE(eventually([&] { return ready() || parley->wait(std::chrono::milliseconds(0)); }));
    ASSERT_TRUE(ready()) << parley->output();
  }

  void TearDown() override {
    // A call still live would be drained for agent.drain-timeout: a second signal ends it now.
    if (parley && !parley->terminate(std::chrono::seconds(5))) parley->terminate();
    if (voipbin) voipbin->stop();
    if (llm) llm->stop();
    io.stop();
  }

  static std::vector<sim::recorded_request> only(const std::vector<sim::recorded_request>& all,
                                                 const std::string& suffix) {
    std::vector<sim::recorded_request> out;
    for (const auto& r : all)
      if (r.path.size() >= suffix.size() &&
          r.path.compare(r.path.size() - suffix.size(), suffix.size(), suffix) == 0)
        out.push_back(r);
    return out;
  }

  // The model streams a short first sentence, then a long tail slowly: the first sentence
  // reaches VoIPBIN while the model is still streaming the rest. `extra` picks the provider.
  void expect_first_sentence_before_the_stream_ends(std::vector<std::string> extra) {
    sim::llm_sim_options lo;
    lo.replies = {"Right away. " +
                  std::string("one two three four five six seven eight nine ten eleven twelve.")};
    lo.first_token_delay = std::chrono::milliseconds(20);
    lo.token_delay = std::chrono::milliseconds(100);
    extra.push_back("--agent.greeting=\"\"");
    // The caller waits out the pauses between tokens instead of taking the turn back.
    start(lo, extra, std::chrono::milliseconds(2000));
    voipbin->place_call({{"Quick question."}});
    ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 1; })) << parley->output();
    auto says = only(voipbin->requests(), "/say");
    ASSERT_EQ(says.size(), 2u);
    EXPECT_EQ(says[0].body, json({{"text", "Right away."}}).dump());
    auto streams = llm->streams();
    EXPECT_EQ(streams.completed, 1u);
    EXPECT_LT(says[0].at, streams.last_end);
    EXPECT_GE(says[1].at, streams.last_end);
  }

  // The texts of every /say, in order.
  std::vector<std::string> said() const {
    std::vector<std::string> texts;
    for (const auto& r : only(voipbin->requests(), "/say")) texts.push_back(json::parse(r.body)["text"]);
    return texts;
  }

  // The value of a series of /metrics, or -1 when it is absent.
  long metric(const std::string& series) const {
    auto text = test::http_get(admin_port, "/metrics");
    auto at = text.find("\n" + series + " ");
    if (at == std::string::npos) return -1;
    return std::stol(text.substr(at + series.size() + 2));
  }

  net::io_runtime io{1};
  std::unique_ptr<sim::voipbin_sim> voipbin;
  std::unique_ptr<sim::llm_sim> llm;
  std::unique_ptr<test::child_process> parley;
  bool wait_for_subscription = true;   // start() returns once parley has subscribed
  std::vector<std::string> base_args;  // what every parley of the test is started with
  int admin_port = 0;
  int webhook_port = 0;
  uint16_t llm_port = 0;
};

}  // namespace parley::test
