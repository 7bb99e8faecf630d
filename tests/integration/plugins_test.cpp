// Plugins (docs/extending.md): the examples and the test plugins are built with parley and
// loaded by the real binary with agent.plugins; calls run against voipbin-sim and llm-sim.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "conversation_fixture.hpp"
#include "startup_errors.hpp"

using namespace parley;
using namespace parley::test;
using namespace std::chrono_literals;

namespace {

const std::string opening_hours = "We are open from nine to five, Monday to Friday.";

class Plugins : public Conversation {
 protected:
  // With plugins loaded, parley still ends cleanly: no crash and no sanitizer report at exit
  // (a plain brain is told the call ended from its host's destructor).
  void TearDown() override {
    if (parley) {
      EXPECT_EQ(parley->terminate(std::chrono::seconds(30)), 0) << parley->output();
    }
    Conversation::TearDown();
  }

  // The lines of the turn-log observer's file, as "<event> <text>" (call id and time cut off).
  static std::vector<std::string> events_in(const std::string& path) {
    std::ifstream in{path};
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) {
      std::istringstream fields{line};
      std::string call, ms, rest;
      fields >> call >> ms;
      std::getline(fields >> std::ws, rest);
      out.push_back(rest);
    }
    return out;
  }
};

// Runs parley with `extra` and what it needs besides; expects exit 2 and one line.
void expect_plugin_refused(const std::string& extra, const std::string& prefix) {
  expect_refused(
      {"--voipbin.accesskey=k", "--voipbin.customer-id=8d3e0a5c-6b1f-4c2a-9f7e-0a1b2c3d4e5f", extra}, prefix);
}

}  // namespace

// examples/router_brain: a question in its table is answered at once, without the model; any
// other is handed to the openai brain, which answers from llm-sim.
TEST_F(Plugins, TheRouterAnswersFromItsTableAndHandsTheRestToTheModel) {
  sim::llm_sim_options lo;
  lo.replies = {"The model says: {user}"};
  start(lo, {"--agent.plugins=" ROUTER_BRAIN_PLUGIN, "--llm.provider=router"});
  voipbin->place_call({{"What are your opening hours?", "Tell me a joke."}});
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 1; })) << parley->output();
  std::string heard;
  for (const auto& t : said()) heard += t + " ";
  EXPECT_NE(heard.find(opening_hours), std::string::npos) << heard;
  EXPECT_NE(heard.find("The model says: Tell me a joke."), std::string::npos) << heard;
  // Only the second turn reached the model, with the whole conversation, the table's answer too.
  auto asked = llm->requests();
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_NE(asked[0].find(opening_hours), std::string::npos) << asked[0];
  EXPECT_NE(asked[0].find("sim-model"), std::string::npos) << asked[0];
}

// examples/webhook_brain: each turn is POSTed to llm.base-url with the history; the answer's
// text is spoken.
TEST_F(Plugins, TheWebhookBrainSpeaksWhatTheServiceAnswers) {
  sim::llm_sim_options lo;
  lo.replies = {"Your service heard {user}"};
  start(lo, {"--agent.plugins=" WEBHOOK_BRAIN_PLUGIN, "--llm.provider=webhook",
             "--llm.base-url=http://{llm}/v1/turn"});
  auto call = voipbin->place_call({{"Where is my order?"}});
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 1; })) << parley->output();
  auto texts = said();
  EXPECT_NE(std::find(texts.begin(), texts.end(), "Your service heard Where is my order?"), texts.end())
      << parley->output();
  auto got = llm->received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].path, "/v1/turn");
  EXPECT_EQ(got[0].headers["authorization"], "Bearer sk-test-secret");
  auto body = json::parse(got[0].body);
  EXPECT_EQ(body["call_id"], call);
  ASSERT_GE(body["messages"].size(), 2u);
  EXPECT_EQ(body["messages"][0]["content"], system_prompt);
  EXPECT_EQ(body["messages"].back()["content"], "Where is my order?");
}

// examples/turn_log_observer sees every event of a call, in order, from answered to ended.
TEST_F(Plugins, AnObserverSeesEveryEventOfACallInOrder) {
  auto path = ::testing::TempDir() + "parley-turns-" + std::to_string(::getpid()) + ".log";
  std::remove(path.c_str());
  ::setenv("PARLEY_TURN_LOG", path.c_str(), 1);
  sim::llm_sim_options lo;
  lo.replies = {"First answer.", "Second answer."};
  start(lo, {"--agent.plugins=" TURN_LOG_PLUGIN, "--agent.observers=turn-log"});
  voipbin->place_call({{"Hello there.", "Thanks, bye."}});
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 1; })) << parley->output();
  ASSERT_TRUE(eventually([&] {
    auto e = events_in(path);
    return !e.empty() && e.back().rfind("ended", 0) == 0;
  })) << parley->output();
  std::vector<std::string> expected = {
      "answered",
      "agent_said " + greeting,
      "heard " + greeting,
      "caller_said Hello there.",
      "agent_said First answer.",
      "heard First answer.",
      "caller_said Thanks, bye.",
      "agent_said Second answer.",
      "heard Second answer.",
  };
  auto events = events_in(path);
  ASSERT_EQ(events.size(), expected.size() + 1) << parley->output();
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(events[i], expected[i]) << i;
  EXPECT_EQ(events.back().rfind("ended", 0), 0u);
  std::remove(path.c_str());
}

// A turn the router handed to the model is cut off by the caller: the model's stream is
// closed before its end (the cancel reaches the brain the turn was handed to), and observers
// see the barge-in.
TEST_F(Plugins, ATurnHandedOverIsCancelledByBargeIn) {
  auto log = ::testing::TempDir() + "parley-bargein-turns-" + std::to_string(::getpid()) + ".log";
  std::remove(log.c_str());
  ::setenv("PARLEY_TURN_LOG", log.c_str(), 1);
  sim::llm_sim_options lo;
  lo.replies = {
      "Once upon a time there was a very long story that went on and on. It had many parts. "
      "It had a middle. It had an end."};
  lo.first_token_delay = 20ms;
  lo.token_delay = 150ms;
  start(lo, {"--agent.plugins=" ROUTER_BRAIN_PLUGIN "," TURN_LOG_PLUGIN, "--llm.provider=router",
             "--agent.observers=turn-log", "--agent.greeting=\"\""});
  // The interruption is a question of the router's table, so nothing else asks the model; the
  // caller stays on the line until the stream's fate is known.
  sim::caller_turn bye{"Thanks, bye."};
  bye.on_cue = true;
  auto call = voipbin->place_call(
      {{sim::caller_turn{"Tell me a story."}, sim::caller_turn{"What are your opening hours?", 600ms}, bye}});
  ASSERT_TRUE(eventually([&] { return llm->streams().aborted + llm->streams().completed == 1; }))
      << parley->output();
  EXPECT_EQ(llm->streams().aborted, 1u) << parley->output();
  EXPECT_EQ(llm->requests().size(), 1u);  // no new turn of the model's closed it
  voipbin->cue(call);
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 1; })) << parley->output();
  EXPECT_EQ(metric("parley_bargeins_total"), 1) << parley->output();
  ASSERT_TRUE(eventually([&] {
    auto e = events_in(log);
    return !e.empty() && e.back().rfind("ended", 0) == 0;
  })) << parley->output();
  auto events = events_in(log);
  auto at = [&](const std::string& prefix) {
    return std::find_if(events.begin(), events.end(), [&](const auto& e) { return e.rfind(prefix, 0) == 0; });
  };
  ASSERT_NE(at("barge_in Once upon a time"), events.end()) << ::testing::PrintToString(events);
  EXPECT_LT(at("caller_said Tell me a story."), at("barge_in"));
  EXPECT_LT(at("barge_in"), at("caller_said What are your opening hours?"));
  std::remove(log.c_str());
}

// A CAF actor brain from a plugin answers; an observer that throws on every event is counted
// and the call goes on.
TEST_F(Plugins, AnActorBrainAnswersAndAThrowingObserverBreaksNothing) {
  start({}, {"--agent.plugins=" ACTOR_BRAIN_PLUGIN, "--llm.provider=backwards", "--agent.observers=thrower"});
  voipbin->place_call({{"one two three", "four five"}});
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 1; })) << parley->output();
  auto texts = said();
  EXPECT_NE(std::find(texts.begin(), texts.end(), "three two one."), texts.end()) << parley->output();
  EXPECT_NE(std::find(texts.begin(), texts.end(), "five four."), texts.end()) << parley->output();
  EXPECT_TRUE(eventually([&] { return metric("parley_observer_errors_total{observer=\"thrower\"}") >= 8; }))
      << test::http_get(admin_port, "/metrics");
}

// A profile picked by the number called gets a plugin's brain and observer; a call to another
// number gets the default's (openai, no observer).
TEST_F(Plugins, AProfileSetsAPluginBrainAndObserver) {
  auto log = ::testing::TempDir() + "parley-profile-turns-" + std::to_string(::getpid()) + ".log";
  auto ini = ::testing::TempDir() + "parley-plugin-profiles-" + std::to_string(::getpid()) + ".ini";
  std::remove(log.c_str());
  ::setenv("PARLEY_TURN_LOG", log.c_str(), 1);
  std::ofstream(ini) << "[agent]\nplugins=[\"" ROUTER_BRAIN_PLUGIN "\", \"" TURN_LOG_PLUGIN "\"]\n"
                     << "[profiles.desk]\nmatch.destination=[\"+15550111\"]\nllm.provider=\"router\"\n"
                     << "agent.observers=[\"turn-log\"]\n";
  sim::llm_sim_options lo;
  lo.replies = {"The model says: {user}"};
  start(lo, {"--config-file=" + ini});
  sim::scripted_call desk(std::vector<std::string>{"What are your opening hours?"});
  desk.destination = "+15550111";
  voipbin->place_call(desk);
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 1; })) << parley->output();
  sim::scripted_call other(std::vector<std::string>{"What are your opening hours?"});
  other.destination = "+15550199";
  voipbin->place_call(other);
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 2; })) << parley->output();
  std::string heard;
  for (const auto& t : said()) heard += t + " ";
  EXPECT_NE(heard.find(opening_hours), std::string::npos) << heard;  // the router, from its table
  EXPECT_NE(heard.find("The model says: What are your opening hours?"), std::string::npos) << heard;
  EXPECT_EQ(llm->requests().size(), 1u);  // only the default's call asked the model
  // Only the desk call was observed.
  ASSERT_TRUE(eventually([&] {
    auto e = events_in(log);
    return !e.empty() && e.back().rfind("ended", 0) == 0;
  })) << parley->output();
  auto events = events_in(log);
  EXPECT_EQ(std::count(events.begin(), events.end(), "answered"), 1);
  EXPECT_NE(std::find(events.begin(), events.end(), "heard " + opening_hours), events.end());
  std::remove(log.c_str());
  std::remove(ini.c_str());
}

// A brain that said something cannot hand the turn over: the caller hears the error prompt,
// not a second answer, and the model is not asked.
TEST_F(Plugins, AHandOverAfterSpeakingFailsTheTurn) {
  start({}, {"--agent.plugins=" ACTOR_BRAIN_PLUGIN, "--llm.provider=talk-then-hand-over",
             "--agent.error-prompt=Sorry, something went wrong."});
  voipbin->place_call({{"Hello?"}});
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 1; })) << parley->output();
  auto texts = said();
  EXPECT_NE(std::find(texts.begin(), texts.end(), "Sorry, something went wrong."), texts.end())
      << ::testing::PrintToString(texts);
  EXPECT_TRUE(llm->requests().empty());
}

TEST(PluginErrors, EachStopsStartUpWithOneLineNamingThePlugin) {
  expect_plugin_refused("--agent.plugins=/nonexistent/plugin.so",
                        "agent.plugins: /nonexistent/plugin.so: no such file");
  expect_plugin_refused("--agent.plugins=" NO_ENTRY_PLUGIN,
                        std::string("agent.plugins: ") + NO_ENTRY_PLUGIN + ": has no parley_plugin_entry");
  expect_plugin_refused(
      "--agent.plugins=" WRONG_VERSION_PLUGIN,
      std::string("agent.plugins: ") + WRONG_VERSION_PLUGIN + ": built for extension API version 2");
  expect_plugin_refused(
      "--agent.plugins=" TAKEN_NAME_PLUGIN,
      std::string("agent.plugins: ") + TAKEN_NAME_PLUGIN + ": brain 'openai' is registered twice");
  expect_plugin_refused(
      "--agent.plugins=" ROUTER_BRAIN_PLUGIN "," ROUTER_BRAIN_PLUGIN,
      std::string("agent.plugins: ") + ROUTER_BRAIN_PLUGIN + ": brain 'router' is registered twice");
  expect_plugin_refused("--agent.observers=turn-log", "agent.observers: unknown observer 'turn-log'");
}

// examples/ is a CMake project of its own that needs nothing of parley but include/: what a
// plugin author's project looks like.
TEST(PluginExamples, BuildOnTheirOwnAgainstThePublicHeaders) {
  auto dir = ::testing::TempDir() + "parley-examples-" + std::to_string(::getpid());
  child_process configure(CMAKE_COMMAND, {"-S", PARLEY_SOURCE_DIR "/examples", "-B", dir});
  ASSERT_EQ(configure.wait(std::chrono::minutes(5)), 0) << configure.output();
  child_process build(CMAKE_COMMAND, {"--build", dir});
  ASSERT_EQ(build.wait(std::chrono::minutes(10)), 0) << build.output();
  for (const char* name : {"router_brain.so", "webhook_brain.so", "turn_log_observer.so"})
    EXPECT_TRUE(std::ifstream(dir + "/plugins/" + name).good()) << name;
  std::filesystem::remove_all(dir);
}
