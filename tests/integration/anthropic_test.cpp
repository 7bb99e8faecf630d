// llm.provider=anthropic end to end: parley as a process, voipbin-sim and llm-sim's Messages
// API endpoint in this process, over real loopback sockets.

#include "conversation_fixture.hpp"

using namespace parley;
using namespace parley::test;

namespace {

const std::vector<std::string> anthropic = {"--llm.provider=anthropic"};

}  // namespace

TEST_F(Conversation, AnthropicConversationOverTheMessagesApi) {
  sim::llm_sim_options lo;
  lo.replies = {"Sure, a table for two. What time?", "Seven thirty works. Goodbye!"};
  lo.first_token_delay = std::chrono::milliseconds(30);
  lo.token_delay = std::chrono::milliseconds(5);
  lo.api_key = "sk-test-secret";  // the sim refuses a request without this x-api-key
  start(lo, anthropic);
  const std::vector<std::string> caller = {"I want to book a table.", "At seven thirty."};
  voipbin->place_call({caller});
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 1 && voipbin->live_speakings() == 0; }))
      << parley->output();
  EXPECT_EQ(said(), (std::vector<std::string>{greeting, "Sure, a table for two.", "What time?",
                                              "Seven thirty works.", "Goodbye!"}));

  auto received = llm->received();
  ASSERT_EQ(received.size(), 2u);
  json expected = json::array();
  for (std::size_t turn = 0; turn < 2; ++turn) {
    const auto& r = received[turn];
    EXPECT_EQ(r.path, "/v1/messages");
    EXPECT_EQ(r.headers.at("x-api-key"), "sk-test-secret");
    EXPECT_EQ(r.headers.at("anthropic-version"), "2023-06-01");
    EXPECT_EQ(r.headers.count("authorization"), 0u);
    auto body = json::parse(r.body);
    EXPECT_EQ(body["model"], "sim-model");
    EXPECT_EQ(body["stream"], true);
    EXPECT_EQ(body["max_tokens"], 300);
    // The system prompt is top level, with the greeting the agent opened with; the messages
    // are the caller's and the agent's turns only, starting with the caller's.
    EXPECT_EQ(body["system"], system_prompt + "\n\nYou opened the call by saying: \"" + greeting + "\"");
    expected.push_back({{"role", "user"}, {"content", caller[turn]}});
    EXPECT_EQ(body["messages"], expected) << "turn " << turn;
    expected.push_back({{"role", "assistant"}, {"content", lo.replies[turn]}});
  }

  EXPECT_EQ(parley->terminate(), 0);
  EXPECT_EQ(parley->output().find("sk-test-secret"), std::string::npos);
}

TEST_F(Conversation, AnthropicFirstSentenceIsSpokenBeforeTheModelFinishes) {
  auto extra = anthropic;
  extra.push_back("--llm.max-tokens=0");
  ASSERT_NO_FATAL_FAILURE(expect_first_sentence_before_the_stream_ends(extra));
  // No greeting: no system note about it; llm.max-tokens=0 still sends the required max_tokens.
  auto body = json::parse(llm->requests().at(0));
  EXPECT_EQ(body["system"], system_prompt);
  EXPECT_EQ(body["max_tokens"], 1024);
}

class AnthropicFailure : public Conversation, public ::testing::WithParamInterface<sim::llm_fault> {};

// Whatever goes wrong with the model, the caller hears the error prompt, the call goes on,
// and the next turn is answered.
TEST_P(AnthropicFailure, CallerHearsTheErrorPromptAndTheNextTurnWorks) {
  sim::llm_sim_options lo;
  lo.replies = {"Fine answer."};
  lo.first_token_delay = std::chrono::milliseconds(10);
  lo.token_delay = std::chrono::milliseconds(5);
  auto extra = anthropic;
  extra.insert(extra.end(),
               {"--agent.greeting=\"\"", "--llm.timeout=0.5", "--agent.error-prompt=\"Sorry, say again?\""});
  start(lo, extra);
  llm->fail_next(GetParam());
  voipbin->place_call({{"first try", "second try"}});
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 1 && voipbin->live_speakings() == 0; }))
      << parley->output();
  auto texts = said();
  ASSERT_GE(texts.size(), 2u);
  EXPECT_EQ(texts[texts.size() - 2], "Sorry, say again?");
  EXPECT_EQ(texts.back(), "Fine answer.");
  // The failed turn left no reply in the history, so the caller's two turns follow each other
  // and go as one user message, as the Messages API wants.
  ASSERT_EQ(llm->requests().size(), 2u);
  EXPECT_EQ(json::parse(llm->requests()[1])["messages"],
            json::array({{{"role", "user"}, {"content", "first try\n\nsecond try"}}}));
  EXPECT_NE(test::http_get(admin_port, "/metrics").find("\nparley_llm_errors_total 1\n"), std::string::npos);
  // The reason logged is Anthropic's own message.
  auto log = parley->output();
  if (GetParam() == sim::llm_fault::http_500) {
    EXPECT_NE(log.find("LLM answered 500: api_error: the model is overloaded"), std::string::npos) << log;
  }
  if (GetParam() == sim::llm_fault::error_event) {
    EXPECT_NE(log.find("LLM error in stream: overloaded_error: Overloaded"), std::string::npos) << log;
  }
}

INSTANTIATE_TEST_SUITE_P(Faults, AnthropicFailure,
                         ::testing::Values(sim::llm_fault::http_500, sim::llm_fault::error_event,
                                           sim::llm_fault::stall, sim::llm_fault::malformed,
                                           sim::llm_fault::disconnect),
                         fault_name);
