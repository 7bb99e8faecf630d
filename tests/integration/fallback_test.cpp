// A second model answers when the first fails before its first text (llm.fallback.*), and the
// model is shown only the newest messages of a long call (llm.max-history). parley runs as a
// process against voipbin-sim and two llm-sims: the primary and the fallback.

#include "conversation_fixture.hpp"

using namespace parley;
using namespace parley::test;

namespace {

const std::string error_prompt = "Sorry, say again?";

class Fallback : public Conversation {
 protected:
  // Starts the fallback llm-sim, then parley with the primary (the fixture's llm) and it.
  void start_with_fallback(sim::llm_sim_options primary, std::vector<std::string> extra,
                           const std::string& provider = "openai") {
    sim::llm_sim_options fo;
    fo.replies = {"The fallback answers."};
    fo.first_token_delay = std::chrono::milliseconds(10);
    fo.token_delay = std::chrono::milliseconds(5);
    fo.api_key = "sk-fallback-secret";  // requests without it get 401
    fallback = std::make_unique<sim::llm_sim>(io.context(), fo);
    auto port = fallback->start("127.0.0.1", 0);
    ASSERT_TRUE(port);
    extra.insert(extra.end(), {"--agent.greeting=\"\"", "--agent.error-prompt=\"" + error_prompt + "\"",
                               "--llm.fallback.provider=" + provider,
                               "--llm.fallback.base-url=http://127.0.0.1:" + std::to_string(*port) + "/v1",
                               "--llm.fallback.model=fallback-model"});
    ::setenv("LLM_FALLBACK_API_KEY", "sk-fallback-secret", 1);
    start(std::move(primary), extra);
    ::unsetenv("LLM_FALLBACK_API_KEY");
  }

  void TearDown() override {
    if (fallback) fallback->stop();
    Conversation::TearDown();
  }

  std::unique_ptr<sim::llm_sim> fallback;
};

sim::llm_sim_options quick_primary() {
  sim::llm_sim_options lo;
  lo.replies = {"Primary answer one.", "Primary answer two."};
  lo.first_token_delay = std::chrono::milliseconds(10);
  lo.token_delay = std::chrono::milliseconds(5);
  return lo;
}

const std::string error_series = "parley_llm_fallbacks_total{reason=\"error\"}";
const std::string late_series = "parley_llm_fallbacks_total{reason=\"first_token_timeout\"}";

}  // namespace

// The primary answers 500: the fallback's reply is said, and the next turn is the primary's.
TEST_F(Fallback, AnswersWhenThePrimaryFails) {
  start_with_fallback(quick_primary(), {});
  llm->fail_next(sim::llm_fault::http_500);
  voipbin->place_call({{"first try", "second try"}});
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 1 && voipbin->live_speakings() == 0; }))
      << parley->output();
  EXPECT_EQ(said(), (std::vector<std::string>{"The fallback answers.", "Primary answer two."}))
      << parley->output();
  ASSERT_EQ(fallback->requests().size(), 1u);
  auto asked = json::parse(fallback->requests()[0]);
  EXPECT_EQ(asked["model"], "fallback-model");
  EXPECT_EQ(asked["messages"].back()["content"], "first try");
  EXPECT_EQ(llm->requests().size(), 2u);  // the failed one and the second turn
  EXPECT_EQ(metric(error_series), 1);
  EXPECT_EQ(metric(late_series), -1);
  EXPECT_EQ(metric("parley_llm_errors_total"), 0);
  auto out = parley->output();
  EXPECT_EQ(out.find("sk-fallback-secret"), std::string::npos);
}

// The fallback speaks another provider's API: the primary (OpenAI's API) answers 500, the
// fallback is asked over Anthropic's Messages API with its own key, and its answer is said.
TEST_F(Fallback, AFallbackOfAnotherProviderAnswers) {
  start_with_fallback(quick_primary(), {}, "anthropic");
  llm->fail_next(sim::llm_fault::http_500);
  voipbin->place_call({{"first try"}});
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 1 && voipbin->live_speakings() == 0; }))
      << parley->output();
  EXPECT_EQ(said(), (std::vector<std::string>{"The fallback answers."})) << parley->output();
  auto got = fallback->received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].path, "/v1/messages");
  EXPECT_EQ(got[0].headers["x-api-key"], "sk-fallback-secret");
  auto asked = json::parse(got[0].body);
  EXPECT_EQ(asked["model"], "fallback-model");
  EXPECT_EQ(asked["messages"].back()["content"], "first try");
  EXPECT_EQ(llm->received()[0].path, "/v1/chat/completions");
  EXPECT_EQ(metric(error_series), 1);
}

// Nothing listens on the primary's port: the fallback answers every turn.
TEST_F(Fallback, AnswersWhenThePrimaryRefusesTheConnection) {
  start_with_fallback(quick_primary(),
                      {"--llm.base-url=http://127.0.0.1:" + std::to_string(test::free_port()) + "/v1"});
  voipbin->place_call({{"first try"}});
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 1 && voipbin->live_speakings() == 0; }))
      << parley->output();
  EXPECT_EQ(said(), (std::vector<std::string>{"The fallback answers."})) << parley->output();
  EXPECT_EQ(fallback->requests().size(), 1u);
  EXPECT_EQ(llm->requests().size(), 0u);
  EXPECT_EQ(metric(error_series), 1);
}

// The primary's first text would come after 3 s; the timeout is 0.5 s: the fallback answers,
// and the primary's late reply is never said.
TEST_F(Fallback, AnswersWhenThePrimaryIsSlowToItsFirstToken) {
  auto slow = quick_primary();
  slow.first_token_delay = std::chrono::seconds(3);
  start_with_fallback(slow, {"--llm.first-token-timeout=0.5"});
  voipbin->place_call({{"first try"}});
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 1 && voipbin->live_speakings() == 0; }))
      << parley->output();
  EXPECT_EQ(said(), (std::vector<std::string>{"The fallback answers."})) << parley->output();
  EXPECT_EQ(fallback->requests().size(), 1u);
  EXPECT_EQ(llm->requests().size(), 1u);
  EXPECT_EQ(metric(late_series), 1);
  EXPECT_EQ(metric(error_series), -1);
  // The primary's stream was aborted, not read to its end.
  EXPECT_TRUE(eventually([&] { return llm->streams().aborted == 1; })) << parley->output();
  EXPECT_EQ(llm->streams().completed, 0u);
}

// Without a fallback the caller hears the error prompt, as before.
TEST_F(Conversation, NoFallbackMeansTheErrorPrompt) {
  start(quick_primary(), {"--agent.greeting=\"\"", "--agent.error-prompt=\"" + error_prompt + "\""});
  llm->fail_next(sim::llm_fault::http_500);
  voipbin->place_call({{"first try"}});
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 1 && voipbin->live_speakings() == 0; }))
      << parley->output();
  auto says = only(voipbin->requests(), "/say");
  ASSERT_EQ(says.size(), 1u) << parley->output();
  EXPECT_EQ(json::parse(says[0].body)["text"], error_prompt);
  EXPECT_EQ(test::http_get(admin_port, "/metrics").find("parley_llm_fallbacks_total{"), std::string::npos);
}

// A long call: the model is shown the system prompt and only the newest llm.max-history
// messages; the earlier requests, shorter than that, were whole.
TEST_F(Conversation, TheModelSeesOnlyTheNewestMessages) {
  sim::llm_sim_options lo;
  lo.replies = {"Noted {user}."};
  lo.first_token_delay = std::chrono::milliseconds(10);
  lo.token_delay = std::chrono::milliseconds(5);
  start(lo, {"--llm.max-history=5"});
  voipbin->place_call({{"one", "two", "three", "four", "five"}});
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 1 && voipbin->live_speakings() == 0; }))
      << parley->output();
  auto requests = llm->requests();
  ASSERT_EQ(requests.size(), 5u);
  auto shown = [](const std::string& body) {
    std::vector<std::string> out;
    auto request = json::parse(body);
    for (const auto& m : request["messages"])
      out.push_back(m["role"].get<std::string>() + ": " + m["content"].get<std::string>());
    return out;
  };
  // Second turn: four messages besides the system prompt, nothing dropped.
  EXPECT_EQ(shown(requests[1]),
            (std::vector<std::string>{"system: " + system_prompt, "assistant: " + greeting, "user: one",
                                      "assistant: Noted one.", "user: two"}));
  // Third turn: six; the greeting goes.
  EXPECT_EQ(shown(requests[2]),
            (std::vector<std::string>{"system: " + system_prompt, "user: one", "assistant: Noted one.",
                                      "user: two", "assistant: Noted two.", "user: three"}));
  EXPECT_EQ(shown(requests[4]),
            (std::vector<std::string>{"system: " + system_prompt, "user: three", "assistant: Noted three.",
                                      "user: four", "assistant: Noted four.", "user: five"}));
}
