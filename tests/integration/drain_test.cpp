// SIGTERM and SIGINT with the real parley against voipbin-sim (docs/operations.md, Shutdown):
// the drain lets live calls go on and takes no new ones, wraps up the calls still live at
// agent.drain-timeout (drain message, then hangup or release), and a second signal stops every
// session at once. Exit codes 0 and 1.

#include <csignal>

#include "conversation_fixture.hpp"

using namespace parley;
using namespace parley::test;

namespace {

const http_answer draining{503, R"({"ready":false,"reason":"draining"})"};
const std::string bye = "We are closing for today. Goodbye!";

}  // namespace

class Drain : public Conversation {
 protected:
  void start_drain(std::vector<std::string> extra) {
    extra.insert(extra.begin(), {"--llm.provider=echo", "--agent.greeting=\"\""});
    start({}, extra);
  }
  // The texts VoIPBIN accepted for /say, in order.
  std::vector<std::string> said() {
    std::vector<std::string> out;
    for (const auto& r : only(voipbin->requests(), "/say"))
      if (r.status == 200) out.push_back(json::parse(r.body)["text"]);
    return out;
  }
  bool said_is(const std::vector<std::string>& texts) {
    return eventually([&] { return said() == texts; });
  }
  std::vector<sim::recorded_request> hangups_of(const std::string& call) {
    return only(voipbin->requests(), "/calls/" + call + "/hangup");
  }
  // Signals parley and waits for it to exit: its exit code, or -1 when it did not exit.
  int exit_code_after(int sig) {
    parley->signal(sig);
    return parley->wait(std::chrono::seconds(60)).value_or(-1);
  }
  bool sessions_stopped() { return voipbin->live_speakings() == 0 && voipbin->live_transcribes() == 0; }
  // Whether parley created a session for `call`.
  bool served(const std::string& call) {
    for (const auto& r : voipbin->requests())
      if (r.method == "POST" && (r.path == "/transcribes" || r.path == "/speakings") &&
          json::parse(r.body).value("reference_id", "") == call)
        return true;
    return false;
  }
};

TEST_F(Drain, ALiveCallGoesOnAndNoNewCallIsTaken) {
  start_drain({"--agent.drain-timeout=120"});
  sim::caller_turn two("two");
  two.on_cue = true;  // said once parley drains
  auto a = voipbin->place_call(sim::scripted_call(std::vector<sim::caller_turn>{"one", two}));
  ASSERT_TRUE(said_is({"You said: one"})) << parley->output();
  auto signalled = std::chrono::steady_clock::now();
  parley->signal(SIGTERM);
  ASSERT_TRUE(eventually([&] { return http_fetch(admin_port, "/readyz") == draining; }))
      << http_fetch(admin_port, "/readyz").body;
  voipbin->cue(a);

  auto b = voipbin->place_call({{"hello"}});

  // The live call goes on: the caller's turn after the signal is answered.
  ASSERT_TRUE(said_is({"You said: one", "You said: two"})) << testing::PrintToString(said());
  auto frames = voipbin->caller_frames(a);
  auto final_two = std::find_if(frames.begin(), frames.end(), [](const sim::caller_frame& f) {
    return f.kind == "final" && f.text == "two";
  });
  ASSERT_NE(final_two, frames.end());
  ASSERT_GT(final_two->at, signalled) << "the caller's turn came before the signal: the test proves nothing";

  // The call that reached progressing during the drain is left to another parley.
  ASSERT_TRUE(eventually([&] {
    return served(b) ||
           parley->output().find("call " + b + ": not answered, parley is draining") != std::string::npos;
  })) << parley->output();
  EXPECT_FALSE(served(b));

  // The caller hangs up; parley is done.
  auto rc = parley->wait(std::chrono::seconds(60));
  ASSERT_TRUE(rc.has_value()) << parley->output();
  EXPECT_EQ(*rc, 0) << parley->output();
  EXPECT_TRUE(sessions_stopped());
  EXPECT_FALSE(served(b));
  EXPECT_TRUE(hangups_of(a).empty());  // the caller hung up, not parley
}

TEST_F(Drain, AtTheTimeoutTheCallerHearsTheMessageAndIsHungUp) {
  start_drain({"--agent.drain-timeout=1", "--agent.drain-message=" + bye});
  auto call = voipbin->place_call(lingering_call("one"));
  ASSERT_TRUE(said_is({"You said: one"})) << parley->output();
  ASSERT_EQ(exit_code_after(SIGTERM), 0) << parley->output();
  EXPECT_EQ(said(), (std::vector<std::string>{"You said: one", bye}));
  auto heard = voipbin->heard(call);
  ASSERT_FALSE(heard.empty());
  EXPECT_EQ(heard.back().text, bye);
  EXPECT_FALSE(heard.back().cut);
  auto hangups = hangups_of(call);
  ASSERT_EQ(hangups.size(), 1u) << parley->output();
  auto says = only(voipbin->requests(), "/say");
  EXPECT_GT(hangups[0].at, says.back().at);  // after the message, not instead of it
  EXPECT_EQ(voipbin->calls_finished(), 1u);
  EXPECT_TRUE(sessions_stopped());
}

TEST_F(Drain, AtTheTimeoutReleaseStopsTheSessionsAndLeavesTheCallUp) {
  start_drain({"--agent.drain-timeout=1", "--agent.drain-message=" + bye, "--agent.drain-action=release"});
  auto call = voipbin->place_call(lingering_call("one"));
  ASSERT_TRUE(said_is({"You said: one"})) << parley->output();
  ASSERT_EQ(exit_code_after(SIGTERM), 0) << parley->output();
  EXPECT_EQ(said(), (std::vector<std::string>{"You said: one", bye}));
  EXPECT_TRUE(hangups_of(call).empty());
  EXPECT_EQ(voipbin->calls_finished(), 0u);  // still up, for the next parley
  EXPECT_TRUE(sessions_stopped());
}

TEST_F(Drain, ASecondSignalStopsEverySessionAtOnce) {
  start_drain({"--agent.drain-timeout=120", "--agent.drain-message=" + bye});
  auto call = voipbin->place_call(lingering_call("one"));
  ASSERT_TRUE(said_is({"You said: one"})) << parley->output();
  parley->signal(SIGTERM);
  ASSERT_TRUE(eventually([&] { return http_fetch(admin_port, "/readyz") == draining; }));
  parley->signal(SIGINT);
  auto rc = parley->wait(std::chrono::seconds(20));  // far below the drain timeout
  ASSERT_TRUE(rc.has_value()) << parley->output();
  EXPECT_EQ(*rc, 1) << parley->output();
  EXPECT_TRUE(sessions_stopped());
  EXPECT_EQ(said(), (std::vector<std::string>{"You said: one"}));
  EXPECT_TRUE(hangups_of(call).empty());
  EXPECT_EQ(voipbin->calls_finished(), 0u);
}
