// The whole loop over real loopback sockets: voipbin-sim and llm-sim run in this process,
// parley runs as its own process, exactly as a user starts it.

#include <sys/resource.h>

#include "conversation_fixture.hpp"

using namespace parley;
using namespace parley::test;

TEST_F(Conversation, ThreeTurnsMakeExactlyTheExpectedRestCalls) {
  sim::llm_sim_options lo;
  lo.replies = {"Sure, a table for two. What time?", "Seven thirty works. Anything else?",
                "You're welcome. Goodbye!"};
  lo.first_token_delay = std::chrono::milliseconds(30);
  lo.token_delay = std::chrono::milliseconds(5);
  lo.api_key = "sk-test-secret";
  start(lo);
  const std::vector<std::string> caller = {"I want to book a table.", "At seven thirty.", "No, thanks."};
  auto call_id = voipbin->place_call({caller});
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 1 && voipbin->live_speakings() == 0; }))
      << parley->output();

  auto metrics = test::http_get(admin_port, "/metrics");
  EXPECT_NE(metrics.find("\nparley_turns_total 3\n"), std::string::npos) << metrics;
  // The subscription topics match each event once: nothing arrived twice.
  EXPECT_NE(metrics.find("\nparley_events_duplicate_total 0\n"), std::string::npos) << metrics;
  EXPECT_TRUE(eventually([&] {
    return test::http_get(admin_port, "/metrics").find("\nparley_active_calls 0\n") != std::string::npos;
  }));
  EXPECT_EQ(test::http_get(admin_port, "/healthz"), "{\"status\":\"ok\",\"active_calls\":0}");

  auto requests = voipbin->requests();
  for (const auto& r : requests) EXPECT_TRUE(r.authorized) << r.path;
  // First the start-up look for live calls to take over (agent.adopt-on-start): none.
  ASSERT_FALSE(requests.empty());
  EXPECT_EQ(requests[0].method + " " + requests[0].path, "GET /calls");
  EXPECT_EQ(json::parse(requests[0].response)["result"], json::array());
  requests.erase(requests.begin());

  // The sessions are created first (concurrently, so in either order)...
  ASSERT_GE(requests.size(), 2u);
  std::string speaking_id, transcribe_id;
  for (int i = 0; i < 2; ++i) {
    const auto& r = requests[i];
    ASSERT_EQ(r.method, "POST");
    auto body = json::parse(r.body);
    EXPECT_EQ(body["reference_type"], "call");
    EXPECT_EQ(body["reference_id"], call_id);
    EXPECT_EQ(body["language"], "en-US");
    EXPECT_EQ(body["direction"], "both");
    auto resp = json::parse(r.response);
    if (r.path == "/speakings") {
      EXPECT_EQ(r.status, 201);
      speaking_id = resp["id"];
    } else {
      EXPECT_EQ(r.path, "/transcribes");
      EXPECT_EQ(r.status, 200);
      transcribe_id = resp["id"];
    }
  }
  ASSERT_FALSE(speaking_id.empty());
  ASSERT_FALSE(transcribe_id.empty());

  // ...then the greeting and every sentence of every reply, one /say each, in order...
  const std::vector<std::string> said = {
      greeting,         "Sure, a table for two.", "What time?", "Seven thirty works.",
      "Anything else?", "You're welcome.",        "Goodbye!"};
  ASSERT_EQ(requests.size(), 2 + said.size() + 2) << "unexpected REST calls";
  for (std::size_t i = 0; i < said.size(); ++i) {
    const auto& r = requests[2 + i];
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.path, "/speakings/" + speaking_id + "/say");
    EXPECT_EQ(r.body, json({{"text", said[i]}}).dump());
    EXPECT_EQ(r.status, 200);
  }
  // ...and after the hangup both sessions are stopped (VoIPBIN leaves the speaking active).
  std::vector<std::string> stops = {requests[2 + said.size()].path, requests[3 + said.size()].path};
  std::sort(stops.begin(), stops.end());
  EXPECT_EQ(stops, (std::vector<std::string>{"/speakings/" + speaking_id + "/stop",
                                             "/transcribes/" + transcribe_id + "/stop"}));

  // The LLM saw the growing history: system prompt, greeting, and every turn so far. The
  // agent's own voice (direction `out` transcripts) never became a user message.
  auto llm_requests = llm->requests();
  ASSERT_EQ(llm_requests.size(), 3u);
  json expected = json::array(
      {{{"role", "system"}, {"content", system_prompt}}, {{"role", "assistant"}, {"content", greeting}}});
  for (std::size_t turn = 0; turn < 3; ++turn) {
    expected.push_back({{"role", "user"}, {"content", caller[turn]}});
    auto body = json::parse(llm_requests[turn]);
    EXPECT_EQ(body["model"], "sim-model");
    EXPECT_EQ(body["stream"], true);
    EXPECT_EQ(body["messages"], expected) << "turn " << turn;
    expected.push_back({{"role", "assistant"}, {"content", lo.replies[turn]}});
  }

  // Clean shutdown, and no secret in the log.
  EXPECT_EQ(parley->terminate(), 0);
  auto log = parley->output();
  EXPECT_EQ(log.find("sim-accesskey"), std::string::npos);
  EXPECT_EQ(log.find("sk-test-secret"), std::string::npos);
}

TEST_F(Conversation, FirstSentenceIsSpokenBeforeTheModelFinishes) {
  expect_first_sentence_before_the_stream_ends({});
}

TEST_F(Conversation, EchoBrainNeedsNoModel) {
  sim::llm_sim_options lo;
  start(lo, {"--llm.provider=echo", "--agent.greeting=\"\""});
  voipbin->place_call({{"Testing one two."}});
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 1 && voipbin->live_speakings() == 0; }));
  auto says = only(voipbin->requests(), "/say");
  ASSERT_EQ(says.size(), 1u);
  EXPECT_EQ(says[0].body, json({{"text", "You said: Testing one two."}}).dump());
  EXPECT_TRUE(llm->requests().empty());
}

TEST_F(Conversation, ARegisteredBrainAnswersTheCall) {
  sim::llm_sim_options lo;
  start(lo, {"--llm.provider=shout", "--agent.greeting=\"\""}, std::chrono::milliseconds(300),
        PARLEY_CUSTOM_BINARY);
  voipbin->place_call({{"make it loud"}});
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 1 && voipbin->live_speakings() == 0; }))
      << parley->output();
  auto says = only(voipbin->requests(), "/say");
  ASSERT_EQ(says.size(), 2u);
  EXPECT_EQ(says[0].body, json({{"text", "I HEARD YOU."}}).dump());
  EXPECT_EQ(says[1].body, json({{"text", "MAKE IT LOUD"}}).dump());
}

TEST_F(Conversation, ScriptBrainAndJsonLogs) {
  sim::llm_sim_options lo;
  start(lo, {"--llm.provider=script", R"(--llm.script=["First answer. Indeed.", "Second answer."])",
             "--agent.greeting=\"\"", "--log.format=json", "--log.level=info"});
  voipbin->place_call({{"one", "two"}});
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 1 && voipbin->live_speakings() == 0; }))
      << parley->output();
  std::vector<std::string> texts;
  for (const auto& r : only(voipbin->requests(), "/say")) texts.push_back(json::parse(r.body)["text"]);
  EXPECT_EQ(texts, (std::vector<std::string>{"First answer.", "Indeed.", "Second answer."}));
  EXPECT_TRUE(llm->requests().empty());
  // Every log line is one JSON object.
  ASSERT_EQ(parley->terminate(), 0);
  std::istringstream lines(parley->output());
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    auto j = json::parse(line, nullptr, false);
    ASSERT_TRUE(j.is_object()) << line;
    EXPECT_TRUE(j.contains("ts") && j.contains("level") && j.contains("msg")) << line;
    ++n;
  }
  EXPECT_GT(n, 3);
}

TEST_F(Conversation, SilencePromptWhenTheCallerSaysNothing) {
  sim::llm_sim_options lo;
  // The caller waits longer than the silence timeout before each utterance.
  start(lo, {"--llm.provider=echo", "--agent.silence-timeout=0.4", "--agent.silence-prompt=\"Still there?\""},
        std::chrono::milliseconds(5000));
  voipbin->place_call({{"hello"}});
  ASSERT_TRUE(eventually([&] { return only(voipbin->requests(), "/say").size() >= 3; })) << parley->output();
  auto says = only(voipbin->requests(), "/say");
  EXPECT_EQ(says[0].body, json({{"text", greeting}}).dump());
  EXPECT_EQ(says[1].body, json({{"text", "Still there?"}}).dump());
  EXPECT_EQ(says[2].body, json({{"text", "Still there?"}}).dump());
}

TEST_F(Conversation, SilentCallerGetsPromptsThenGoodbyeAndHangup) {
  sim::llm_sim_options lo;
  start(lo,
        {"--llm.provider=echo", "--agent.silence-timeout=0.3", "--agent.silence-prompt=\"Hello?\"",
         "--agent.silence-max-prompts=2", "--agent.goodbye=\"Bye now.\""},
        std::chrono::milliseconds(60000));  // this caller never speaks
  auto call_id = voipbin->place_call({{"never said"}});
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 1 && voipbin->live_speakings() == 0; }))
      << parley->output();
  std::vector<std::string> texts;
  for (const auto& r : only(voipbin->requests(), "/say")) texts.push_back(json::parse(r.body)["text"]);
  EXPECT_EQ(texts, (std::vector<std::string>{greeting, "Hello?", "Hello?", "Bye now."}));
  auto hangups = only(voipbin->requests(), "/hangup");
  ASSERT_EQ(hangups.size(), 1u);
  EXPECT_EQ(hangups[0].path, "/calls/" + call_id + "/hangup");
  // The goodbye was sent before the hangup.
  EXPECT_LT(only(voipbin->requests(), "/say").back().at, hangups[0].at);
}

class LlmFailure : public Conversation, public ::testing::WithParamInterface<sim::llm_fault> {};

// Whatever goes wrong with the model, the caller hears the error prompt, the call goes on,
// and the next turn is answered.
TEST_P(LlmFailure, CallerHearsTheErrorPromptAndTheNextTurnWorks) {
  sim::llm_sim_options lo;
  lo.replies = {"Fine answer one.", "Fine answer two."};
  lo.first_token_delay = std::chrono::milliseconds(10);
  lo.token_delay = std::chrono::milliseconds(5);
  start(lo, {"--agent.greeting=\"\"", "--llm.timeout=0.5", "--agent.error-prompt=\"Sorry, say again?\""});
  llm->fail_next(GetParam());
  voipbin->place_call({{"first try", "second try"}});
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 1 && voipbin->live_speakings() == 0; }))
      << parley->output();
  std::vector<std::string> texts;
  for (const auto& r : only(voipbin->requests(), "/say")) texts.push_back(json::parse(r.body)["text"]);
  ASSERT_GE(texts.size(), 2u);
  EXPECT_EQ(texts[texts.size() - 2], "Sorry, say again?");
  // The second turn's request carried the history and got the second reply.
  EXPECT_EQ(texts.back(), "Fine answer two.");
  EXPECT_EQ(llm->requests().size(), 2u);
  EXPECT_NE(test::http_get(admin_port, "/metrics").find("\nparley_llm_errors_total 1\n"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Faults, LlmFailure,
                         ::testing::Values(sim::llm_fault::http_500, sim::llm_fault::stall,
                                           sim::llm_fault::malformed, sim::llm_fault::disconnect,
                                           sim::llm_fault::error_event),
                         fault_name);

TEST_F(Conversation, ModelUnreachableThenBack) {
  sim::llm_sim_options lo;
  lo.replies = {"Back again."};
  start(lo, {"--agent.greeting=\"\"", "--agent.error-prompt=\"Sorry, say again?\""},
        std::chrono::milliseconds(1500));
  llm->stop();  // connection refused from now on
  voipbin->place_call({{"first try", "second try"}});
  ASSERT_TRUE(eventually([&] { return only(voipbin->requests(), "/say").size() == 1; })) << parley->output();
  EXPECT_EQ(only(voipbin->requests(), "/say")[0].body, json({{"text", "Sorry, say again?"}}).dump());
  llm = std::make_unique<sim::llm_sim>(io.context(), lo);
  ASSERT_TRUE(llm->start("127.0.0.1", llm_port));
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 1; })) << parley->output();
  auto says = only(voipbin->requests(), "/say");
  ASSERT_EQ(says.size(), 2u);
  EXPECT_EQ(says[1].body, json({{"text", "Back again."}}).dump());
}

TEST_F(Conversation, RaisesTheOpenFileLimitToTheHardLimitAndSaysSo) {
  // parley inherits a soft limit below the hard one, as under many service managers.
  rlimit mine{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &mine), 0);
  ASSERT_GT(mine.rlim_max, 512u) << "the test needs a hard limit above 512";
  rlimit low = mine;
  low.rlim_cur = 512;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  sim::llm_sim_options lo;
  start(lo, {"--llm.provider=echo", "--log.level=info"});
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &mine), 0);
  auto line = "open files: limit raised from 512 to " + std::to_string(mine.rlim_max) + " (the hard limit)";
  EXPECT_TRUE(eventually([&] { return parley->output().find(line) != std::string::npos; }))
      << parley->output();
}
