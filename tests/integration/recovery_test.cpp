// VoIPBIN's surprises (voipbin-api.md §7, §9) and how parley gets past them, each against
// voipbin-sim's fault knobs.

#include <map>

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
  // One call a page: the listing after the reconnect must page to find B.
  start({}, {"--llm.provider=echo", "--agent.greeting=\"\""}, std::chrono::milliseconds(300), PARLEY_BINARY,
        [](sim::voipbin_sim_options& o) { o.max_page_size = 1; });
  auto a = voipbin->place_call({{"one", "two"}});
  ASSERT_TRUE(eventually([&] { return only(voipbin->requests(), "/say").size() == 1; })) << parley->output();
  // While parley's socket is down, call A hangs up and call B starts: both events are lost.
  voipbin->drop_websockets();
  voipbin->hang_up(a);
  auto b = voipbin->place_call({{"hello from b"}});
  voipbin->add_ended_call();  // newer than B: B is on the second page
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 2 && voipbin->live_speakings() == 0; }))
      << parley->output();
  auto all = voipbin->requests();
  // A's sessions were stopped after the reconnect found it hung up in the call list, not by a
  // GET of it...
  EXPECT_EQ(only(all, "/calls/" + a).size(), 0u);
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
  // The listing after the reconnect went through every page: ended call, B, A, empty.
  std::size_t paged = 0;
  for (const auto& r : all)
    paged += r.method == "GET" && r.path == "/calls" && r.query.find("page_token=") != std::string::npos;
  EXPECT_EQ(paged, 3u);
}

namespace {

bool is_get_of_one(const sim::recorded_request& r) {
  return r.method == "GET" && (r.path.rfind("/calls/", 0) == 0 || r.path.rfind("/transcribes/", 0) == 0);
}

// The id of the session each successful POST of `collection` created, by the call it is for.
std::map<std::string, std::string> sessions_by_call(const std::vector<sim::recorded_request>& all,
                                                    const std::string& collection) {
  std::map<std::string, std::string> out;
  for (const auto& r : all)
    if (r.method == "POST" && r.path == collection && r.status / 100 == 2)
      out[json::parse(r.body)["reference_id"]] = json::parse(r.response)["id"];
  return out;
}

std::size_t answered(const std::vector<sim::recorded_request>& all, const std::string& method,
                     const std::string& path) {
  return std::count_if(all.begin(), all.end(), [&](const auto& r) {
    return r.method == method && r.path == path && r.status == 200;
  });
}

// List requests of `path` without a reference filter, from `from` on.
std::size_t list_requests(const std::vector<sim::recorded_request>& all, std::size_t from,
                          const std::string& path) {
  std::size_t n = 0;
  for (std::size_t i = from; i < all.size(); ++i)
    n += all[i].method == "GET" && all[i].path == path &&
         all[i].query.find("reference_id") == std::string::npos;
  return n;
}

}  // namespace

// At thousands of calls a GET per held call and per held transcribe would queue thousands of
// requests behind the rate limit: after a reconnect the lists settle them, a request a page.
TEST_F(Recovery, AfterAReconnectHeldCallsAndTranscribesAreSettledFromTheListsNotOneByOne) {
  // Two items a page: the held calls and transcribes are spread over several pages.
  start({}, {"--llm.provider=echo", "--agent.greeting=\"\""}, std::chrono::milliseconds(300), PARLEY_BINARY,
        [](sim::voipbin_sim_options& o) { o.max_page_size = 2; });
  std::vector<std::string> calls;
  for (int i = 0; i < 6; ++i) calls.push_back(voipbin->place_call(lingering_call("one")));
  ASSERT_TRUE(eventually([&] { return only(voipbin->requests(), "/say").size() == calls.size(); }))
      << parley->output();
  auto before = voipbin->requests().size();
  // While parley's socket is down, call 0 hangs up and VoIPBIN ends call 1's transcription: both
  // events are lost.
  voipbin->drop_websockets();
  voipbin->hang_up(calls[0]);
  voipbin->end_transcribes_of(calls[1]);
  auto speakings = sessions_by_call(voipbin->requests(), "/speakings");
  auto first_transcribes = sessions_by_call(voipbin->requests(), "/transcribes");
  ASSERT_EQ(first_transcribes.size(), calls.size());
  auto settled = [&] {
    auto all = voipbin->requests();
    auto restarted = std::count_if(all.begin(), all.end(), [&](const auto& r) {
      return r.method == "POST" && r.path == "/transcribes" && r.status == 200 &&
             json::parse(r.body)["reference_id"] == calls[1];
    });
    bool walked = false;  // the call list's last, empty page was answered
    for (std::size_t i = before; i < all.size(); ++i)
      walked |= all[i].method == "GET" && all[i].path == "/calls" && all[i].status == 200 &&
                json::parse(all[i].response)["result"].empty();
    return walked && restarted == 2 &&
           answered(all, "POST", "/speakings/" + speakings[calls[0]] + "/stop") == 1 &&
           answered(all, "POST", "/transcribes/" + first_transcribes[calls[0]] + "/stop") == 1;
  };
  ASSERT_TRUE(eventually(settled, std::chrono::seconds(60))) << parley->output();
  auto all = voipbin->requests();
  // (a) Call 0's sessions were stopped and call 1's transcription started again, as before...
  EXPECT_EQ(voipbin->calls_finished(), 1u);
  EXPECT_EQ(voipbin->live_speakings(), calls.size() - 1);
  // ...(b) without a GET of any held call or transcribe: only list pages.
  std::vector<std::string> singles;
  for (const auto& r : all)
    if (is_get_of_one(r)) singles.push_back(r.method + " " + r.path);
  EXPECT_TRUE(singles.empty()) << testing::PrintToString(singles);
  // Every call page (three of two calls, then the empty one); the transcribe pages only up to the
  // one listing the oldest held transcribe: six transcribes, two a page.
  EXPECT_EQ(list_requests(all, before, "/calls"), 4u) << testing::PrintToString(labels(all));
  EXPECT_EQ(list_requests(all, before, "/transcribes"), 3u) << testing::PrintToString(labels(all));
  for (const auto& c : calls) voipbin->hang_up(c);  // parley stops at once, without a drain
}

// A held call or transcribe that the lists do not show (here: they fail) is asked for on its own.
TEST_F(Recovery, AfterAReconnectHeldCallsTheListsDoNotShowAreAskedForOneByOne) {
  start_echo();
  auto a = voipbin->place_call(lingering_call("one"));
  auto b = voipbin->place_call(lingering_call("one"));
  ASSERT_TRUE(eventually([&] { return only(voipbin->requests(), "/say").size() == 2; })) << parley->output();
  auto speakings = sessions_by_call(voipbin->requests(), "/speakings");
  auto transcribes = sessions_by_call(voipbin->requests(), "/transcribes");
  // A 400 is not retried: each list fails at its first page.
  voipbin->fail_next("GET", "/calls", 400);
  voipbin->fail_next("GET", "/transcribes", 400);
  voipbin->drop_websockets();
  voipbin->hang_up(a);
  ASSERT_TRUE(eventually([&] {
    auto all = voipbin->requests();
    return answered(all, "POST", "/speakings/" + speakings[a] + "/stop") == 1 &&
           answered(all, "GET", "/transcribes/" + transcribes[b]) == 1;
  })) << parley->output();
  auto all = voipbin->requests();
  EXPECT_EQ(answered(all, "GET", "/calls/" + a), 1u);
  EXPECT_EQ(answered(all, "GET", "/calls/" + b), 1u);
  std::size_t failed_lists = 0;
  for (const auto& r : all) failed_lists += r.method == "GET" && r.status == 400;
  EXPECT_EQ(failed_lists, 2u);
  EXPECT_EQ(voipbin->calls_finished(), 1u);
  EXPECT_EQ(voipbin->live_speakings(), 1u);
  voipbin->hang_up(b);
}

namespace {

const std::string long_reply = "One. Two. Three. Four. Five. Six. Seven. Eight. Nine. Ten. Eleven. Twelve.";

// What the caller heard, in order: every /say accepted, texts joined.
std::string heard(const std::vector<sim::recorded_request>& says) {
  std::string out;
  for (const auto& r : says)
    if (r.status == 200) out += (out.empty() ? "" : " ") + json::parse(r.body)["text"].get<std::string>();
  return out;
}

}  // namespace

TEST_F(Recovery, WhileRateLimitedQueuedSentencesAreMergedAndNothingIsLost) {
  sim::llm_sim_options lo;
  lo.replies = {long_reply};
  lo.first_token_delay = std::chrono::milliseconds(10);
  lo.token_delay = std::chrono::milliseconds(1);
  // Two requests a second for everything parley sends: sentences queue up behind /say.
  start(lo, {"--agent.greeting=\"\"", "--voipbin.rate-limit=2", "--voipbin.rate-burst=1"},
        std::chrono::milliseconds(3000));
  voipbin->place_call({{"count to twelve"}});
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 1 && voipbin->live_speakings() == 0; },
                         std::chrono::seconds(60)))
      << parley->output();
  auto says = only(voipbin->requests(), "/say");
  EXPECT_EQ(heard(says), long_reply);
  EXPECT_LT(says.size(), 12u) << "queued sentences were not merged";
  for (const auto& r : says) EXPECT_EQ(r.status, 200);
}

TEST_F(Recovery, TooManyRequestsAreSentAgainAfterRetryAfter) {
  sim::llm_sim_options lo;
  lo.replies = {long_reply};
  lo.first_token_delay = std::chrono::milliseconds(10);
  lo.token_delay = std::chrono::milliseconds(1);
  // parley believes it may send 100/s; VoIPBIN allows 3/s and answers 429 beyond.
  start(lo, {"--agent.greeting=\"\"", "--voipbin.rate-limit=100", "--voipbin.rate-burst=100"},
        std::chrono::milliseconds(3000), PARLEY_BINARY, [](sim::voipbin_sim_options& o) {
          o.rate_limit = 3;
          o.rate_burst = 3;
        });
  voipbin->place_call({{"count to twelve"}});
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 1 && voipbin->live_speakings() == 0; },
                         std::chrono::seconds(60)))
      << parley->output();
  auto all = voipbin->requests();
  std::size_t throttled = 0;
  for (const auto& r : all) throttled += r.status == 429;
  EXPECT_GT(throttled, 0u);
  EXPECT_EQ(heard(only(all, "/say")), long_reply);
  EXPECT_EQ(http_get(admin_port, "/metrics").find("\nparley_rest_throttled_total 0\n"), std::string::npos);
}

TEST_F(Recovery, LegacyAndDuplicatedFramesMakeOneConversation) {
  start({}, {"--llm.provider=echo", "--agent.greeting=\"\""}, std::chrono::milliseconds(300), PARLEY_BINARY,
        [](sim::voipbin_sim_options& o) {
          o.legacy_frames = true;
          o.duplicate_frames = true;
          o.ping_interval = std::chrono::milliseconds(300);  // and the pings are answered
        });
  voipbin->place_call({{"one", "two"}});
  ASSERT_TRUE(eventually([&] { return call_over(); })) << parley->output();
  auto all = voipbin->requests();
  EXPECT_EQ(only(all, "/transcribes").size(), 1u);  // one session, although every event came twice
  auto says = only(all, "/say");
  ASSERT_EQ(says.size(), 2u);
  EXPECT_EQ(text_of(says[0]), "You said: one");
  EXPECT_EQ(text_of(says[1]), "You said: two");
  auto metrics = http_get(admin_port, "/metrics");
  EXPECT_EQ(metrics.find("\nparley_events_duplicate_total 0\n"), std::string::npos);
  EXPECT_NE(metrics.find("\nparley_ws_connects_total 1\n"), std::string::npos) << metrics;
}

TEST_F(Recovery, FailedRequestsAreSentAgainWhereThatIsSafe) {
  start_echo();
  voipbin->fail_next("POST", "/transcribes", 503);  // the create: retried by the transcribe actor
  voipbin->fail_next("POST", "/stop", 503, 2);      // stops are idempotent: retried by the scheduler
  voipbin->place_call({{"hello"}});
  auto statuses = [&](auto&& wanted) {
    std::vector<int> out;
    for (const auto& r : voipbin->requests())
      if (wanted(r)) out.push_back(r.status);
    return out;
  };
  auto is_stop = [](const sim::recorded_request& r) {
    return r.path.size() > 5 && r.path.compare(r.path.size() - 5, 5, "/stop") == 0;
  };
  // The speaking and the transcribe stop each end in a 200, whichever of them got the 503s:
  // wait for both answers, not only for the call to be over.
  ASSERT_TRUE(eventually(
      [&] {
        auto stops = statuses(is_stop);
        return call_over() && std::count(stops.begin(), stops.end(), 200) == 2;
      },
      std::chrono::seconds(30)))
      << parley->output();
  auto creates = statuses([](const auto& r) { return r.method == "POST" && r.path == "/transcribes"; });
  auto stops = statuses(is_stop);
  EXPECT_EQ(creates, (std::vector<int>{503, 200}));
  EXPECT_EQ(std::count(stops.begin(), stops.end(), 503), 2);
  EXPECT_EQ(std::count(stops.begin(), stops.end(), 200), 2);
  ASSERT_EQ(only(voipbin->requests(), "/say").size(), 1u);
}

TEST_F(Recovery, LateAndReorderedEventsStillMakeOneConversation) {
  start({}, {"--llm.provider=echo", "--agent.greeting=\"\""}, std::chrono::milliseconds(400), PARLEY_BINARY,
        [](sim::voipbin_sim_options& o) {
          o.reorder_events = true;  // transcript before speech ended before speech started
          o.event_delay = std::chrono::milliseconds(150);
        });
  voipbin->place_call({{"one", "two"}});
  ASSERT_TRUE(eventually([&] { return call_over(); })) << parley->output();
  auto says = only(voipbin->requests(), "/say");
  ASSERT_EQ(says.size(), 2u);
  EXPECT_EQ(text_of(says[0]), "You said: one");
  EXPECT_EQ(text_of(says[1]), "You said: two");
}

TEST_F(Recovery, ATextOverTheSayLimitIsSplitNotRefused) {
  start_echo();
  std::string words;
  while (words.size() < 6000) words += "blah ";
  words += "end.";
  voipbin->place_call({{words}});
  ASSERT_TRUE(eventually([&] { return call_over(); })) << parley->output();
  auto says = only(voipbin->requests(), "/say");
  ASSERT_EQ(says.size(), 2u);
  std::string heard_text;
  for (const auto& r : says) {
    EXPECT_EQ(r.status, 200);
    EXPECT_LE(text_of(r).size(), 5000u);
    heard_text += (heard_text.empty() ? "" : " ") + text_of(r);
  }
  EXPECT_EQ(heard_text, "You said: " + words);
}

TEST_F(Recovery, ASpeakingStuckInInitiatingIsReplaced) {
  start_echo();
  auto call = voipbin->place_call({{"hello"}});
  auto stuck = voipbin->add_speaking(call, std::chrono::minutes(10));
  ASSERT_TRUE(eventually([&] { return call_over(); })) << parley->output();
  auto all = voipbin->requests();
  auto polls = only(all, "/speakings/" + stuck);
  EXPECT_GE(polls.size(), 10u);  // polled, bounded
  EXPECT_EQ(only(all, "/speakings/" + stuck + "/stop").size(), 1u);
  auto says = only(all, "/say");
  ASSERT_EQ(says.size(), 1u);
  EXPECT_NE(says[0].path, "/speakings/" + stuck + "/say");  // said on a new session
  EXPECT_EQ(says[0].status, 200);
}
