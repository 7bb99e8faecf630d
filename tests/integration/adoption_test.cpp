// Restarts do not drop callers (DESIGN §8): parley is killed mid-call (SIGKILL: nothing is
// cleaned up), VoIPBIN keeps the call and its sessions, and the parley started next on the same
// customer takes the call over where it stopped.

#include <csignal>

#include "conversation_fixture.hpp"

using namespace parley;
using namespace parley::test;

namespace {

const std::vector<std::string> caller = {"First question.", "Second question.", "Third question."};
const std::vector<std::string> replies = {"Reply one. It has two sentences.", "Reply two.", "Reply three."};

std::string text_of(const sim::recorded_request& r) {
  return json::parse(r.body)["text"];
}

bool is(const sim::recorded_request& r, const std::string& method, const std::string& path) {
  return r.method == method && r.path == path;
}

template <class Pred>
std::size_t count(const std::vector<sim::recorded_request>& rs, Pred p) {
  return static_cast<std::size_t>(std::count_if(rs.begin(), rs.end(), p));
}

}  // namespace

class Adoption : public Conversation {
 protected:
  // A call of three turns whose third is said only on cue: parley answers the first two.
  void serve_two_turns(const std::vector<std::string>& extra,
                       const std::function<void(sim::voipbin_sim_options&)>& tweak = {}) {
    sim::llm_sim_options lo;
    lo.replies = replies;
    lo.first_token_delay = std::chrono::milliseconds(10);
    lo.token_delay = std::chrono::milliseconds(2);
    start(lo, extra, std::chrono::milliseconds(300), PARLEY_BINARY, tweak);
    sim::caller_turn third{caller[2]};
    third.on_cue = true;
    call = voipbin->place_call({{caller[0], caller[1], third}});
    // The sim plays a /say at once and transcribes it (`out`) in the same step.
    ASSERT_TRUE(eventually([&] {
      auto says = only(voipbin->requests(), "/say");
      return !says.empty() && text_of(says.back()) == replies[1] && says.back().status == 200;
    })) << parley->output();
    says_before = only(voipbin->requests(), "/say");
  }

  // As serve_two_turns, and parley is killed once the caller has heard its second answer.
  void serve_two_turns_then_kill(const std::vector<std::string>& extra,
                                 const std::function<void(sim::voipbin_sim_options&)>& tweak = {}) {
    ASSERT_NO_FATAL_FAILURE(serve_two_turns(extra, tweak));
    ASSERT_EQ(parley->kill(), 128 + 9);
    ASSERT_TRUE(eventually([&] { return voipbin->subscribers() == 0; }));
    ASSERT_EQ(voipbin->call_status(call), "progressing");
    restarted_at = voipbin->requests().size();
  }

  std::vector<sim::recorded_request> since_restart() {
    auto all = voipbin->requests();
    return {all.begin() + static_cast<std::ptrdiff_t>(restarted_at), all.end()};
  }

  std::string metric(const std::string& name) {
    auto text = http_get(admin_port, "/metrics");
    auto at = text.find("\n" + name + " ");
    if (at == std::string::npos) return "";
    auto value = at + name.size() + 2;
    return text.substr(value, text.find('\n', value) - value);
  }

  // Both parleys together asked the model with one growing history, the second picking up
  // where the first stopped: system prompt, greeting, then every turn in order.
  void expect_one_conversation_across_the_restart() {
    auto llm_requests = llm->requests();
    ASSERT_EQ(llm_requests.size(), 3u);
    json expected = json::array(
        {{{"role", "system"}, {"content", system_prompt}}, {{"role", "assistant"}, {"content", greeting}}});
    for (std::size_t turn = 0; turn < 3; ++turn) {
      expected.push_back({{"role", "user"}, {"content", caller[turn]}});
      EXPECT_EQ(json::parse(llm_requests[turn])["messages"], expected) << "turn " << turn;
      expected.push_back({{"role", "assistant"}, {"content", replies[turn]}});
    }
    auto all = voipbin->requests();
    // One transcription for the whole call: the second parley created none.
    EXPECT_EQ(count(all, [](const auto& r) { return is(r, "POST", "/transcribes"); }), 1u);
    // One greeting; the third answer on the session the first parley had made.
    auto says = only(all, "/say");
    EXPECT_EQ(count(says, [](const auto& r) { return text_of(r) == greeting; }), 1u);
    ASSERT_FALSE(says.empty());
    EXPECT_EQ(text_of(says.back()), replies[2]);
    EXPECT_EQ(says.back().status, 200);
    EXPECT_EQ(says.back().path, says_before.back().path);
    EXPECT_TRUE(voipbin->violations().empty());
  }

  std::string call;
  std::vector<sim::recorded_request> says_before;
  std::size_t restarted_at = 0;
};

TEST_F(Adoption, AKilledParleysCallIsTakenOverWhereItStopped) {
  // One item a page, so every list is paged through.
  auto one_a_page = [](sim::voipbin_sim_options& o) { o.max_page_size = 1; };
  ASSERT_NO_FATAL_FAILURE(serve_two_turns_then_kill({}, one_a_page));
  // A newer call that hung up, its speaking left live (VoIPBIN does not stop it, §7.1): the
  // live call and its speaking are on the second page of their lists.
  auto ended = voipbin->add_ended_call();
  voipbin->add_speaking(ended);
  launch({});
  ASSERT_TRUE(eventually([&] { return metric("parley_calls_adopted_total") == "1"; })) << parley->output();
  voipbin->cue(call);
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 1 && voipbin->live_speakings() == 1; }))
      << parley->output();
  expect_one_conversation_across_the_restart();

  auto after = since_restart();
  // Every page of calls (ended, live, then an empty one), and of the call's transcripts.
  EXPECT_EQ(count(after, [](const auto& r) { return is(r, "GET", "/calls"); }), 3u);
  EXPECT_EQ(count(after,
                  [](const auto& r) {
                    return is(r, "GET", "/calls") && r.query.find("page_token=") != std::string::npos;
                  }),
            2u);
  auto transcript_pages = count(after, [](const auto& r) { return is(r, "GET", "/transcripts"); });
  EXPECT_GE(transcript_pages, 6u);  // greeting, 2 questions, 3 answer sentences; one a page
  // The live speaking could not be created twice (voipbin-api.md §4.1): found on the second
  // page and reused.
  auto creates = only(after, "/speakings");
  ASSERT_EQ(creates.size(), 3u);
  EXPECT_EQ(creates[0].method + " " + std::to_string(creates[0].status), "POST 500");
  EXPECT_EQ(creates[1].method + " " + creates[1].query, "GET page_size=100");
  EXPECT_EQ(creates[2].method, "GET");
  EXPECT_NE(creates[2].query.find("page_token="), std::string::npos);
}

TEST_F(Adoption, InWebhookModeAtStartAndWithTranscriptsThatIgnorePaging) {
  auto port = free_port();
  webhook_port = port;
  const std::string secret = "whsec-adoption-0123456789";
  std::vector<std::string> webhook = {"--events.mode=webhook",
                                      "--webhook.listen=127.0.0.1:" + std::to_string(port),
                                      "--webhook.secret=" + secret};
  ASSERT_NO_FATAL_FAILURE(serve_two_turns_then_kill(webhook, [&](sim::voipbin_sim_options& o) {
    o.webhook_url = "http://127.0.0.1:" + std::to_string(port) + "/v1/webhook";
    o.webhook_secret = secret;
    o.transcripts_paged = false;  // as the 2026-08 snapshot (voipbin-api.md §3)
  }));
  launch(webhook);
  // The caller goes on once the history is read (both pages): a transcript of theirs made
  // meanwhile would be new on the second page and make a third.
  auto listings = [&] {
    return count(since_restart(), [](const auto& r) { return is(r, "GET", "/transcripts"); });
  };
  ASSERT_TRUE(eventually([&] { return metric("parley_calls_adopted_total") == "1" && listings() >= 2; }))
      << parley->output();
  voipbin->cue(call);
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 1 && voipbin->live_speakings() == 0; }))
      << parley->output();
  expect_one_conversation_across_the_restart();
  // The first page holds every transcript; the second, asked for by its token, is the same
  // page again and ends the listing.
  EXPECT_EQ(listings(), 2u);
}

TEST_F(Adoption, OffLeavesALiveCallAlone) {
  ASSERT_NO_FATAL_FAILURE(serve_two_turns_then_kill({"--agent.adopt-on-start=false"}));
  auto old_speaking = says_before.back().path;
  old_speaking = old_speaking.substr(0, old_speaking.rfind('/'));  // /speakings/<id>
  launch({"--agent.adopt-on-start=false"});
  // A call that starts now is answered to its end: this parley works, and had every chance to
  // take the old call over first.
  auto fresh = voipbin->place_call({{"Hello again."}});
  ASSERT_TRUE(eventually([&] {
    return voipbin->call_status(fresh) == "hangup" && voipbin->live_speakings() == 1;  // the old call's
  })) << parley->output();
  for (const auto& r : since_restart()) {
    EXPECT_FALSE(is(r, "GET", "/calls")) << "listed calls";
    EXPECT_EQ(r.path.find("/transcripts"), std::string::npos) << r.path;
    EXPECT_EQ((r.path + "?" + r.query + r.body).find(call), std::string::npos) << r.method << " " << r.path;
    EXPECT_EQ(r.path.rfind(old_speaking, 0), std::string::npos) << r.path;
  }
  EXPECT_EQ(voipbin->call_status(call), "progressing");
  EXPECT_EQ(metric("parley_calls_adopted_total"), "0");
  EXPECT_EQ(llm->requests().size(), 3u);  // two turns of the old call, one of the new
}

// A draining parley with agent.drain-action=release says the drain message, stops its sessions
// and leaves the call up. The next parley finds the call without a live transcription but with
// an ended one: it starts a new transcription, rebuilds the conversation from the ended one and
// goes on without greeting again.
TEST_F(Adoption, ACallReleasedByADrainingParleyGoesOnWithItsHistory) {
  const std::string bye = "We are closing for today. Goodbye!";
  ASSERT_NO_FATAL_FAILURE(serve_two_turns(
      {"--agent.drain-timeout=0", "--agent.drain-message=" + bye, "--agent.drain-action=release"}));
  std::vector<sim::recorded_request> first_transcribes;
  for (const auto& r : voipbin->requests())
    if (is(r, "POST", "/transcribes")) first_transcribes.push_back(r);
  ASSERT_EQ(first_transcribes.size(), 1u);
  std::string old_transcribe = json::parse(first_transcribes[0].response)["id"];
  parley->signal(SIGTERM);
  auto rc = parley->wait(std::chrono::seconds(60));
  ASSERT_TRUE(rc.has_value()) << parley->output();
  ASSERT_EQ(*rc, 0) << parley->output();
  // Released: the drain message was heard, the sessions are stopped, the call is still up.
  auto heard = voipbin->heard(call);
  ASSERT_FALSE(heard.empty());
  EXPECT_EQ(heard.back().text, bye);
  EXPECT_EQ(voipbin->live_transcribes(), 0u);
  EXPECT_EQ(voipbin->live_speakings(), 0u);
  EXPECT_TRUE(only(voipbin->requests(), "/calls/" + call + "/hangup").empty());
  ASSERT_EQ(voipbin->call_status(call), "progressing");
  ASSERT_TRUE(eventually([&] { return voipbin->subscribers() == 0; }));
  restarted_at = voipbin->requests().size();

  launch({});
  ASSERT_TRUE(eventually([&] { return metric("parley_calls_adopted_total") == "1"; })) << parley->output();
  // The caller speaks once the new transcription hears them.
  ASSERT_TRUE(eventually([&] { return voipbin->live_transcribes() == 1; })) << parley->output();
  voipbin->cue(call);
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 1; })) << parley->output();

  // The third turn was asked with the whole conversation: the drain message is part of what the
  // caller heard, one piece with the second answer.
  auto llm_requests = llm->requests();
  ASSERT_EQ(llm_requests.size(), 3u) << parley->output();
  json expected = json::array({{{"role", "system"}, {"content", system_prompt}},
                               {{"role", "assistant"}, {"content", greeting}},
                               {{"role", "user"}, {"content", caller[0]}},
                               {{"role", "assistant"}, {"content", replies[0]}},
                               {{"role", "user"}, {"content", caller[1]}},
                               {{"role", "assistant"}, {"content", replies[1] + " " + bye}},
                               {{"role", "user"}, {"content", caller[2]}}});
  EXPECT_EQ(json::parse(llm_requests[2])["messages"], expected);

  auto after = since_restart();
  // Exactly one new transcription; the history was read from the ended one.
  EXPECT_EQ(count(after, [](const auto& r) { return is(r, "POST", "/transcribes"); }), 1u);
  EXPECT_GE(count(after,
                  [&](const auto& r) {
                    return is(r, "GET", "/transcripts") && r.query.find(old_transcribe) != std::string::npos;
                  }),
            1u);
  // No second greeting; the third answer was said.
  auto says = only(voipbin->requests(), "/say");
  EXPECT_EQ(count(says, [](const auto& r) { return text_of(r) == greeting; }), 1u);
  ASSERT_FALSE(says.empty());
  EXPECT_EQ(text_of(says.back()), replies[2]);
  EXPECT_EQ(says.back().status, 200);
  EXPECT_TRUE(voipbin->violations().empty());
}
