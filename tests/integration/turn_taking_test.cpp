// Turn-taking against the simulators (DESIGN §4): the caller interrupts while the agent's
// reply is still playing, says "uh-huh", coughs, or keeps talking. voipbin-sim plays the
// agent's speech at a human pace, echoes it back as `out` speech, cuts it as each TTS provider
// does, and records what the caller heard and any stale /say after a flush.

#include <iterator>
#include <sstream>

#include "conversation_fixture.hpp"

using namespace parley;
using namespace parley::test;
using namespace std::chrono_literals;

namespace {

// Three sentences, about 3.5 s of speech at 40 characters a second.
const std::string menu_reply =
    "Sure, let me tell you about our menu. We have soups, salads and twelve kinds of pasta. "
    "Every dish is made fresh in our kitchen each morning.";
const std::string last_sentence = "Every dish is made fresh in our kitchen each morning.";
const std::string second_reply = "Of course, what would you like to know?";

std::size_t words_in(const std::string& text) {
  std::istringstream in(text);
  return static_cast<std::size_t>(std::distance(std::istream_iterator<std::string>(in), {}));
}

std::string text_of(const sim::recorded_request& r) {
  return json::parse(r.body)["text"];
}

}  // namespace

class TurnTaking : public Conversation {
 protected:
  // parley with the openai brain against llm-sim; the sim plays speech at `cps`.
  void start_paced(std::vector<std::string> replies, std::vector<std::string> extra,
                   const std::function<void(sim::voipbin_sim_options&)>& more = {},
                   std::chrono::milliseconds token_delay = 10ms) {
    sim::llm_sim_options lo;
    lo.replies = std::move(replies);
    lo.first_token_delay = 50ms;
    lo.token_delay = token_delay;
    extra.push_back("--agent.greeting=\"\"");
    start(lo, extra, 300ms, PARLEY_BINARY, [&](sim::voipbin_sim_options& o) {
      o.playout_chars_per_second = 40;
      o.word_ms = 120ms;
      if (more) more(o);
    });
  }

  bool call_over() { return voipbin->calls_finished() == 1 && voipbin->live_speakings() == 0; }

  // A call whose caller asks for the menu, then talks over the answer `after` into its
  // playout; returns once the call is over and every session stopped.
  std::string interrupted_call(std::chrono::milliseconds after = 1200ms,
                               std::chrono::milliseconds deadline = 30s) {
    auto call = voipbin->place_call({{sim::caller_turn{"Tell me about the menu."},
                                      sim::caller_turn{"wait stop I have a question", after}}});
    EXPECT_TRUE(eventually([&] { return call_over(); }, deadline)) << parley->output();
    return call;
  }

  // The flush came before (or after) the caller's last final transcript, and nothing stale
  // followed it.
  void expect_flush_relative_to_final(const std::string& call, bool before) {
    auto all = voipbin->requests();
    auto flush = first(all, is_flush);
    ASSERT_NE(flush, std::string::npos) << parley->output();
    auto frames = voipbin->caller_frames(call);
    ASSERT_FALSE(frames.empty());
    ASSERT_EQ(frames.back().kind, "final");
    if (before)
      EXPECT_LT(all[flush].at, frames.back().at);
    else
      EXPECT_GT(all[flush].at, frames.back().at);
    EXPECT_TRUE(voipbin->violations().empty()) << testing::PrintToString(voipbin->violations());
  }

  std::string metrics() { return test::http_get(admin_port, "/metrics"); }
  bool metric_is(const std::string& line) { return metrics().find("\n" + line + "\n") != std::string::npos; }

  // Index in `all` of the first request matching, or npos.
  template <class Pred>
  static std::size_t first(const std::vector<sim::recorded_request>& all, Pred p) {
    for (std::size_t i = 0; i < all.size(); ++i)
      if (p(all[i])) return i;
    return std::string::npos;
  }
  static bool is_flush(const sim::recorded_request& r) {
    return r.path.size() > 6 && r.path.compare(r.path.size() - 6, 6, "/flush") == 0;
  }
  static bool is_say_of(const sim::recorded_request& r, const std::string& text) {
    return r.path.size() > 4 && r.path.compare(r.path.size() - 4, 4, "/say") == 0 &&
           text_of(r).find(text) != std::string::npos;
  }

  std::string heard_all(const std::string& call) {
    std::string out;
    for (const auto& h : voipbin->heard(call)) out += (out.empty() ? "" : " ") + h.text;
    return out;
  }
};

// Points 1-4 and 7: the caller talks over a reply that has been generated but is still
// playing; an interim of two words cuts it off before the caller has finished, nothing stale
// follows the flush, and the model is told only what the caller heard.
TEST_F(TurnTaking, AnInterimCutsOffAReplyStillPlayingAndHistoryKeepsWhatWasHeard) {
  start_paced({menu_reply, second_reply}, {"--agent.tts-provider=gcp"});
  auto call = interrupted_call();
  // The flush came while the caller was still talking: before their final transcript.
  expect_flush_relative_to_final(call, true);

  // Nothing of the old reply after the flush; the new reply only after it.
  auto all = voipbin->requests();
  auto flush = first(all, is_flush);
  auto answer = first(all, [](const auto& r) { return is_say_of(r, second_reply); });
  ASSERT_NE(answer, std::string::npos);
  EXPECT_LT(flush, answer);
  for (std::size_t i = flush; i < all.size(); ++i) EXPECT_FALSE(is_say_of(all[i], last_sentence));

  // The caller never heard the last sentence; the model is told what they heard, cut off.
  auto heard = voipbin->heard(call);
  EXPECT_EQ(heard_all(call).find(last_sentence), std::string::npos);
  auto requests = llm->requests();
  ASSERT_EQ(requests.size(), 2u);
  auto messages = json::parse(requests[1])["messages"];
  std::string assistant;
  for (const auto& m : messages)
    if (m["role"] == "assistant") assistant = m["content"];
  const std::string marker = " [interrupted by the caller]";
  ASSERT_GE(assistant.size(), marker.size()) << requests[1];
  EXPECT_EQ(assistant.substr(assistant.size() - marker.size()), marker);
  auto said = assistant.substr(0, assistant.size() - marker.size());
  EXPECT_EQ(menu_reply.rfind(said, 0), 0u) << said;  // a prefix of the reply
  EXPECT_EQ(said.find(last_sentence), std::string::npos);
  std::string heard_of_reply;
  for (const auto& h : heard)
    if (menu_reply.find(h.text) != std::string::npos || h.cut) heard_of_reply += " " + h.text;
  EXPECT_GE(words_in(said) + 4, words_in(heard_of_reply)) << said << " /" << heard_of_reply;
  EXPECT_LE(words_in(said), words_in(heard_of_reply)) << said << " /" << heard_of_reply;
  EXPECT_EQ(messages.back()["content"], "wait stop I have a question");

  // Point 10: the barge-in reaction and the turn stages are measured.
  auto m = metrics();
  EXPECT_NE(m.find("\nparley_bargeins_total 1\n"), std::string::npos) << m;
  EXPECT_NE(m.find("\nparley_bargein_reaction_seconds_count 1\n"), std::string::npos) << m;
  for (const char* stage : {"turn_event_to_llm", "turn_first_token", "turn_token_to_say",
                            "turn_transcript_to_say", "turn_say_answered"})
    EXPECT_NE(m.find(std::string("\nparley_") + stage + "_seconds_count 2\n"), std::string::npos)
        << stage << m;
}

// Point 1: over webhooks the speech events name their type; an interim cuts the agent off
// before the caller's final, as over the WebSocket.
TEST_F(TurnTaking, OverWebhooksAnInterimCutsTheAgentOffToo) {
  webhook_port = free_port();
  const std::string secret = "whsec-test-0123456789";
  start_paced({menu_reply, second_reply},
              {"--agent.tts-provider=gcp", "--events.mode=webhook",
               "--webhook.listen=127.0.0.1:" + std::to_string(webhook_port), "--webhook.secret=" + secret},
              [&](sim::voipbin_sim_options& o) {
                o.webhook_url = "http://127.0.0.1:" + std::to_string(webhook_port) + "/v1/webhook";
                o.webhook_secret = secret;
              });
  auto call = interrupted_call();
  expect_flush_relative_to_final(call, true);
}

// Point 2: when the agent's voice never comes back, an estimate from the text length says the
// caller is still hearing the reply, so talking over it is still a barge-in.
TEST_F(TurnTaking, WithoutTheAgentsVoiceAnEstimateTellsItIsStillPlaying) {
  start_paced({menu_reply, second_reply}, {"--agent.tts-provider=gcp"},
              [](sim::voipbin_sim_options& o) { o.agent_voice_heard = false; });
  auto call = interrupted_call();
  auto all = voipbin->requests();
  auto flush = first(all, is_flush);
  ASSERT_NE(flush, std::string::npos) << parley->output();
  EXPECT_TRUE(voipbin->violations().empty());
  EXPECT_EQ(heard_all(call).find(last_sentence), std::string::npos);
  // The estimate also tells how much was heard: the model is not told of the unsaid sentence.
  auto requests = llm->requests();
  ASSERT_EQ(requests.size(), 2u);
  auto second = json::parse(requests[1]);
  for (const auto& m : second["messages"]) {
    if (m["role"] != "assistant") continue;
    EXPECT_EQ(m["content"].get<std::string>().find(last_sentence), std::string::npos);
  }
}

// Point 3: under agent.barge-in=final an interim does not interrupt; the final does.
TEST_F(TurnTaking, UnderTheFinalPolicyOnlyTheFinalInterrupts) {
  start_paced({menu_reply, second_reply}, {"--agent.tts-provider=gcp", "--agent.barge-in=final"});
  auto call = interrupted_call();
  expect_flush_relative_to_final(call, false);
  EXPECT_TRUE(metric_is("parley_bargeins_total 1"));
}

// Point 3: a backchannel while the agent speaks cuts nothing and is not a turn; the agent's
// own voice coming back (direction out) never interrupts.
TEST_F(TurnTaking, ABackchannelDoesNotCutTheAgentOff) {
  start_paced({menu_reply, second_reply}, {"--agent.tts-provider=gcp"},
              [](sim::voipbin_sim_options& o) { o.answer_timeout = 3s; });
  auto call = voipbin->place_call(
      {{sim::caller_turn{"Tell me about the menu."}, sim::caller_turn{"Uh-huh.", 800ms}}});
  ASSERT_TRUE(eventually([&] { return call_over(); })) << parley->output();
  auto all = voipbin->requests();
  EXPECT_EQ(first(all, is_flush), std::string::npos);
  EXPECT_NE(heard_all(call).find(last_sentence), std::string::npos) << heard_all(call);
  for (const auto& h : voipbin->heard(call)) EXPECT_FALSE(h.cut) << h.text;
  EXPECT_EQ(llm->requests().size(), 1u);
  EXPECT_TRUE(metric_is("parley_bargeins_total 0"));
}

// Points 3 and 6: under agent.barge-in=speech a cough cuts the agent off, but it brings no
// words, so the agent says the rest of the reply the caller had not heard.
TEST_F(TurnTaking, AFalseInterruptionResumesTheUnheardRest) {
  start_paced({menu_reply, second_reply}, {"--agent.tts-provider=gcp", "--agent.barge-in=speech",
                                           "--agent.false-interruption-timeout=0.5"});
  auto call =
      voipbin->place_call({{sim::caller_turn{"Tell me about the menu."}, sim::caller_turn{"", 1200ms}}});
  ASSERT_TRUE(eventually([&] { return call_over(); })) << parley->output();
  auto all = voipbin->requests();
  auto flush = first(all, is_flush);
  ASSERT_NE(flush, std::string::npos) << parley->output();
  // After the flush, the unheard rest is said again, ending with the reply's last sentence.
  bool resumed = false;
  for (std::size_t i = flush + 1; i < all.size(); ++i) resumed |= is_say_of(all[i], last_sentence);
  EXPECT_TRUE(resumed) << parley->output();
  EXPECT_NE(heard_all(call).find(last_sentence), std::string::npos) << heard_all(call);
  EXPECT_EQ(llm->requests().size(), 1u);
  auto m = metrics();
  EXPECT_NE(m.find("\nparley_bargeins_total 1\n"), std::string::npos) << m;
  EXPECT_NE(m.find("\nparley_bargeins_false_total 1\n"), std::string::npos) << m;
}

// Point 4: the barge-in really closes the model's stream, before it reached [DONE].
TEST_F(TurnTaking, BargeInClosesTheModelStream) {
  // A slow model: the reply is still being written when the caller interrupts.
  start_paced({menu_reply + " " + menu_reply, second_reply}, {"--agent.tts-provider=gcp"}, {}, 150ms);
  interrupted_call(600ms);
  ASSERT_TRUE(eventually([&] { return llm->streams().aborted + llm->streams().completed == 2; }));
  EXPECT_EQ(llm->streams().aborted, 1u);  // the interrupted reply
  EXPECT_EQ(llm->streams().completed, 1u);
  EXPECT_TRUE(voipbin->violations().empty());
}

// Point 4: while VoIPBIN's rate limit holds /say texts back in the scheduler, a flush drops
// them: no stale sentence reaches VoIPBIN after it.
TEST_F(TurnTaking, WhileRateLimitedNoStaleSayFollowsTheFlush) {
  const std::string chatty =
      "One moment. Let me see. We have soups. We have salads. We have pasta. We have pizza. "
      "We have fish. We have steak. We have cake.";
  start_paced({chatty, second_reply},
              {"--agent.tts-provider=gcp", "--voipbin.rate-limit=2", "--voipbin.rate-burst=1"},
              [](sim::voipbin_sim_options& o) { o.word_ms = 200ms; });
  auto call = interrupted_call(300ms, 60s);
  auto all = voipbin->requests();
  auto flush = first(all, is_flush);
  ASSERT_NE(flush, std::string::npos) << parley->output();
  EXPECT_TRUE(voipbin->violations().empty()) << testing::PrintToString(voipbin->violations());
  auto answer = first(all, [](const auto& r) { return is_say_of(r, second_reply); });
  ASSERT_NE(answer, std::string::npos);
  EXPECT_LT(flush, answer);
  EXPECT_NE(heard_all(call).find(second_reply), std::string::npos);
}

// Point 5: barge-in-action=restart stops the session and makes a new one instead of /flush,
// which cuts ElevenLabs at once (its /flush lets generated audio play on).
TEST_F(TurnTaking, RestartStopsTheSpeakingInsteadOfFlushing) {
  start_paced({menu_reply, second_reply},
              {"--agent.barge-in-action=restart", "--agent.tts-provider=elevenlabs"});
  auto call = interrupted_call();
  auto all = voipbin->requests();
  EXPECT_EQ(first(all, is_flush), std::string::npos);
  std::vector<std::string> creates;
  for (const auto& r : all)
    if (r.method == "POST" && r.path == "/speakings") {
      EXPECT_EQ(json::parse(r.body).value("provider", ""), "elevenlabs");
      creates.push_back(json::parse(r.response)["id"]);
    }
  ASSERT_EQ(creates.size(), 2u);
  auto stop_first = first(all, [&](const auto& r) { return r.path == "/speakings/" + creates[0] + "/stop"; });
  auto answer = first(all, [](const auto& r) { return is_say_of(r, second_reply); });
  ASSERT_NE(stop_first, std::string::npos);
  ASSERT_NE(answer, std::string::npos);
  EXPECT_LT(stop_first, answer);
  EXPECT_NE(all[answer].path.find(creates[1]), std::string::npos);  // on the new session
  EXPECT_TRUE(voipbin->violations().empty());
  EXPECT_EQ(heard_all(call).find(last_sentence), std::string::npos);
  bool cut = false;
  for (const auto& h : voipbin->heard(call)) cut |= h.cut;
  EXPECT_TRUE(cut);
}

// Point 8: a second final before the agent has said anything: one model request with both.
TEST_F(TurnTaking, ACallerWhoKeepsTalkingIsAnsweredOnceForBoth) {
  sim::llm_sim_options lo;
  lo.replies = {"Certainly, a table for two tonight.", second_reply};
  lo.first_token_delay = 1500ms;  // the caller goes on before the answer comes
  lo.token_delay = 10ms;
  start(lo, {"--agent.greeting=\"\""}, 300ms, PARLEY_BINARY, [](sim::voipbin_sim_options& o) {
    o.playout_chars_per_second = 40;
    o.word_ms = 100ms;
  });
  sim::caller_turn more{"for two people tonight"};
  more.follow_after = 200ms;
  voipbin->place_call({{sim::caller_turn{"I'd like to book a table."}, more}});
  ASSERT_TRUE(eventually([&] { return call_over(); })) << parley->output();
  auto requests = llm->requests();
  ASSERT_EQ(requests.size(), 2u);
  auto last_user = json::parse(requests[1])["messages"].back();
  EXPECT_EQ(last_user["role"], "user");
  EXPECT_EQ(last_user["content"], "I'd like to book a table. for two people tonight");
  auto says = only(voipbin->requests(), "/say");
  ASSERT_EQ(says.size(), 1u);  // one answer, to both
  EXPECT_EQ(text_of(says[0]), "Certainly, a table for two tonight.");
  EXPECT_TRUE(metric_is("parley_turns_merged_total 1"));
}

// Point 3: while the agent is still thinking, a caller who goes on talking holds the answer
// back; when no final follows, it goes ahead once they have been quiet for the timeout.
TEST_F(TurnTaking, AnAnswerIsHeldWhileTheCallerStillTalks) {
  sim::llm_sim_options lo;
  lo.replies = {"Certainly, a table for two tonight.", second_reply};
  lo.first_token_delay = 800ms;  // the caller has said two more words by then
  lo.token_delay = 10ms;
  start(lo, {"--agent.greeting=\"\"", "--agent.false-interruption-timeout=0.5"}, 300ms, PARLEY_BINARY,
        [](sim::voipbin_sim_options& o) {
          o.playout_chars_per_second = 40;
          o.word_ms = 150ms;
        });
  sim::caller_turn more{"and could we sit by the window please if there is room"};
  more.follow_after = 100ms;
  more.final = false;  // recognition never settles: nothing to merge
  auto call = voipbin->place_call({{sim::caller_turn{"I'd like to book a table."}, more}});
  ASSERT_TRUE(eventually([&] { return call_over(); })) << parley->output();
  auto says = only(voipbin->requests(), "/say");
  ASSERT_EQ(says.size(), 1u);
  EXPECT_EQ(text_of(says[0]), "Certainly, a table for two tonight.");
  // The answer was ready long before the caller stopped, but went out only after they did.
  auto frames = voipbin->caller_frames(call);
  ASSERT_FALSE(frames.empty());
  EXPECT_EQ(frames.back().kind, "interim");
  EXPECT_GT(says[0].at, frames.back().at);
  EXPECT_EQ(llm->requests().size(), 1u);
}

// Point 3: under the default policy a cough (speech without words) cuts nothing.
TEST_F(TurnTaking, ACoughDoesNotCutTheAgentOff) {
  start_paced({menu_reply, second_reply}, {"--agent.tts-provider=gcp"});
  auto call =
      voipbin->place_call({{sim::caller_turn{"Tell me about the menu."}, sim::caller_turn{"", 800ms}}});
  ASSERT_TRUE(eventually([&] { return call_over(); })) << parley->output();
  EXPECT_EQ(first(voipbin->requests(), is_flush), std::string::npos);
  EXPECT_NE(heard_all(call).find(last_sentence), std::string::npos) << heard_all(call);
  EXPECT_TRUE(metric_is("parley_bargeins_total 0"));
}

// Point 9: the first clause goes to /say early; abbreviations, times and decimals do not split.
TEST_F(TurnTaking, TheFirstClauseIsSpokenEarlyAndAbbreviationsStayWhole) {
  start_paced({"Of all the dishes we serve here, the pasta is the favourite. Dr. Rossi makes it at 10 a.m. "
               "every day for 12.50 euros."},
              {});
  voipbin->place_call({{"What do you recommend?"}});
  ASSERT_TRUE(eventually([&] { return call_over(); })) << parley->output();
  std::vector<std::string> says;
  for (const auto& r : only(voipbin->requests(), "/say")) says.push_back(text_of(r));
  EXPECT_EQ(says, (std::vector<std::string>{"Of all the dishes we serve here,", "the pasta is the favourite.",
                                            "Dr. Rossi makes it at 10 a.m. every day for 12.50 euros."}));
}

// Point 5: when the restart's stop fails, the old session is kept (it would leak, and VoIPBIN
// refuses a second one) and flushed instead.
TEST_F(TurnTaking, ARestartWhoseStopFailsFallsBackToFlush) {
  start_paced({menu_reply, second_reply}, {"--agent.barge-in-action=restart", "--agent.tts-provider=gcp"});
  voipbin->fail_next("POST", "/stop", 503, 4);  // the first try and the scheduler's three retries
  interrupted_call();
  auto all = voipbin->requests();
  std::size_t creates = 0;
  for (const auto& r : all) creates += r.method == "POST" && r.path == "/speakings";
  EXPECT_EQ(creates, 1u);
  auto flush = first(all, is_flush);
  ASSERT_NE(flush, std::string::npos) << parley->output();
  auto answer = first(all, [](const auto& r) { return is_say_of(r, second_reply); });
  ASSERT_NE(answer, std::string::npos);
  EXPECT_LT(flush, answer);
  EXPECT_TRUE(voipbin->violations().empty());
  EXPECT_EQ(voipbin->live_speakings(), 0u);  // stopped at the end of the call
}
