// VoIPBIN's surprises (voipbin-api.md §7, §9) and how parley gets past them, each against
// voipbin-sim's fault knobs.

#include "conversation_fixture.hpp"
#include "protocol/voipbin_requests.hpp"

using namespace parley;
using namespace parley::test;

namespace {

std::vector<std::string> labels(const std::vector<sim::recorded_request>& rs) {
  std::vector<std::string> out;
  for (const auto& r : rs)
    out.push_back(voipbin::endpoint_label({r.method, r.path, ""}) + " " + std::to_string(r.status));
  return out;
}

std::string text_of(const sim::recorded_request& r) {
  return json::parse(r.body)["text"];
}

}  // namespace

class Recovery : public Conversation {
 protected:
  void start_echo() { start({}, {"--llm.provider=echo", "--agent.greeting=\"\""}); }
  bool call_over() { return voipbin->calls_finished() == 1 && voipbin->live_speakings() == 0; }
};

TEST_F(Recovery, SayOnASessionStoppedBehindOurBackMovesToANewSession) {
  start_echo();
  auto call = voipbin->place_call({{"one", "two"}});
  ASSERT_TRUE(eventually([&] { return only(voipbin->requests(), "/say").size() == 1; })) << parley->output();
  voipbin->stop_speakings_of(call);
  ASSERT_TRUE(eventually([&] { return call_over(); })) << parley->output();
  auto says = only(voipbin->requests(), "/say");
  ASSERT_EQ(says.size(), 3u) << testing::PrintToString(labels(voipbin->requests()));
  EXPECT_EQ(says[1].status, 404);
  EXPECT_EQ(says[2].status, 200);
  EXPECT_EQ(text_of(says[1]), "You said: two");
  EXPECT_EQ(text_of(says[2]), "You said: two");
  EXPECT_NE(says[1].path, says[2].path);  // a new session
  auto creates = only(voipbin->requests(), "/speakings");
  EXPECT_EQ(creates.size(), 2u);
}

TEST_F(Recovery, ALiveSpeakingOfTheCallIsReused) {
  start_echo();
  auto call = voipbin->place_call({{"hello"}});
  auto existing = voipbin->add_speaking(call);
  ASSERT_TRUE(eventually([&] { return call_over(); })) << parley->output();
  auto all = voipbin->requests();
  auto creates = only(all, "/speakings");
  ASSERT_GE(creates.size(), 2u);  // the POST (500) and the GET list
  EXPECT_EQ(creates[0].method, "POST");
  EXPECT_EQ(creates[0].status, 500);
  EXPECT_EQ(creates[1].method, "GET");
  auto says = only(all, "/say");
  ASSERT_EQ(says.size(), 1u);
  EXPECT_EQ(says[0].path, "/speakings/" + existing + "/say");
  EXPECT_EQ(says[0].status, 200);
  EXPECT_EQ(only(all, "/speakings/" + existing + "/stop").size(), 1u);
}

TEST_F(Recovery, AnInitiatingSpeakingIsAwaitedThenUsed) {
  start_echo();
  auto call = voipbin->place_call({{"hello"}});
  auto existing = voipbin->add_speaking(call, std::chrono::milliseconds(700));
  ASSERT_TRUE(eventually([&] { return call_over(); })) << parley->output();
  auto all = voipbin->requests();
  auto polls = only(all, "/speakings/" + existing);
  ASSERT_GE(polls.size(), 2u);  // polled while initiating
  EXPECT_EQ(polls.front().method, "GET");
  auto says = only(all, "/say");
  ASSERT_EQ(says.size(), 1u);
  EXPECT_EQ(says[0].path, "/speakings/" + existing + "/say");
  EXPECT_EQ(says[0].status, 200);
}

TEST_F(Recovery, AProgressingTranscribeIsAdopted) {
  start_echo();
  auto call = voipbin->place_call({{"are you there"}});
  voipbin->add_transcribe(call);
  ASSERT_TRUE(eventually([&] { return call_over(); })) << parley->output();
  auto all = voipbin->requests();
  auto creates = only(all, "/transcribes");
  ASSERT_GE(creates.size(), 2u);
  EXPECT_EQ(creates[0].status, 409);
  EXPECT_EQ(creates[1].method, "GET");
  auto says = only(all, "/say");
  ASSERT_EQ(says.size(), 1u);
  EXPECT_EQ(text_of(says[0]), "You said: are you there");
}

TEST_F(Recovery, TranscriptionEndedEarlyIsStartedAgain) {
  start_echo();
  auto call = voipbin->place_call({{"one", "two"}});
  ASSERT_TRUE(eventually([&] { return only(voipbin->requests(), "/say").size() == 1; })) << parley->output();
  voipbin->end_transcribes_of(call);
  ASSERT_TRUE(eventually([&] { return call_over(); })) << parley->output();
  auto all = voipbin->requests();
  std::size_t creates = 0;
  for (const auto& r : all) creates += (r.method == "POST" && r.path == "/transcribes" && r.status == 200);
  EXPECT_EQ(creates, 2u);
  auto says = only(all, "/say");
  ASSERT_EQ(says.size(), 2u);
  EXPECT_EQ(text_of(says[1]), "You said: two");
}

TEST_F(Recovery, AfterAReconnectMissedHangupsAndCallsAreReconciled) {
  start_echo();
  auto a = voipbin->place_call({{"one", "two"}});
  ASSERT_TRUE(eventually([&] { return only(voipbin->requests(), "/say").size() == 1; })) << parley->output();
  // While parley's socket is down, call A hangs up and call B starts: both events are lost.
  voipbin->drop_websockets();
  voipbin->hang_up(a);
  auto b = voipbin->place_call({{"hello from b"}});
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 2 && voipbin->live_speakings() == 0; }))
      << parley->output();
  auto all = voipbin->requests();
  // A's sessions were stopped after the reconnect found it hung up...
  EXPECT_EQ(only(all, "/calls/" + a).size(), 1u);
  std::size_t stops = 0;
  for (const auto& r : all) stops += r.path.size() > 5 && r.path.compare(r.path.size() - 5, 5, "/stop") == 0;
  EXPECT_EQ(stops, 4u);  // speaking and transcribe of both calls
  // ...and B was answered although its progressing event never arrived.
  auto says = only(all, "/say");
  ASSERT_EQ(says.size(), 2u);
  EXPECT_EQ(json::parse(says[1].body)["text"], "You said: hello from b");
  std::size_t b_creates = 0;
  for (const auto& r : all)
    b_creates += r.method == "POST" && (r.path == "/transcribes" || r.path == "/speakings") &&
                 json::parse(r.body)["reference_id"] == b;
  EXPECT_EQ(b_creates, 2u);
  EXPECT_NE(http_get(admin_port, "/metrics").find("\nparley_ws_connects_total 2\n"), std::string::npos);
}
