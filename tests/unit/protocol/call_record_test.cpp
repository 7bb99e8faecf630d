// A call's record folded from its events, the journal that keeps the live ones, and the checks
// of an outbound call request.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "protocol/call_journal.hpp"
#include "protocol/call_record.hpp"
#include "protocol/metric_types.hpp"
#include "protocol/outbound_call.hpp"

using namespace parley;
using kind = plugin::call_event_kind;
using nlohmann::json;

namespace {

plugin::call_event ev(kind k, uint64_t turn, std::string text, int64_t at = 1'700'000'000'000) {
  return {k, std::move(text), {}, {}, false, turn, at};
}

}  // namespace

TEST(CallRecord, FoldsTurnsWithWhatWasSaidHeardAndInterrupted) {
  call_record r;
  r.call = {"c1", "sales", "+1555", "+1666", "en-US"};
  r.apply(ev(kind::answered, 0, ""));
  r.apply(ev(kind::agent_said, 1, "Hello."));
  r.apply(ev(kind::heard, 1, "Hello."));
  r.apply(ev(kind::caller_said, 2, "Book a table."));
  EXPECT_EQ(r.phase, "thinking");
  r.apply(ev(kind::agent_said, 2, "Sure."));
  r.apply(ev(kind::agent_said, 2, "For how many?"));
  EXPECT_EQ(r.phase, "speaking");
  r.apply(ev(kind::barge_in, 2, "Sure."));
  r.apply({kind::tool_call, "{\"n\":2}", "book", "ok", false, 2, 1});
  r.add_latency(2, "first_say", 212.5);
  r.add_latency(2, "first_say", 213.0);  // a stage is kept once
  r.apply(ev(kind::ended, 2, "call over", 1'700'000'005'000));

  ASSERT_EQ(r.turns.size(), 2u);
  EXPECT_EQ(r.caller_turns(), 1u);
  const auto& t = r.turns[1];
  EXPECT_EQ(t.caller, "Book a table.");
  EXPECT_EQ(t.said, "Sure. For how many?");
  EXPECT_EQ(t.heard, "Sure.");
  EXPECT_TRUE(t.interrupted);
  ASSERT_EQ(t.tools.size(), 1u);
  EXPECT_EQ(t.tools[0].name, "book");
  EXPECT_EQ(r.last_turn_latency_ms(), 213.0);

  auto j = to_json(r);
  EXPECT_EQ(j["call_id"], "c1");
  EXPECT_EQ(j["profile"], "sales");
  EXPECT_EQ(j["phase"], "ended");
  EXPECT_EQ(j["ended"], "call over");
  EXPECT_EQ(j["started_at"], "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(j["ended_at"], "2023-11-14T22:13:25.000Z");
  EXPECT_EQ(j["conversation"][1]["latency_ms"]["first_say"], 213.0);
  EXPECT_EQ(j["conversation"][1]["tools"][0]["arguments"], "{\"n\":2}");
  EXPECT_FALSE(summary_json(r).contains("conversation"));
}

TEST(CallRecord, KeepsAtMostTheNewestTurns) {
  call_record r;
  for (uint64_t turn = 1; turn <= 5; ++turn)
    r.apply(ev(kind::caller_said, turn, "t" + std::to_string(turn)), 3);
  ASSERT_EQ(r.turns.size(), 3u);
  EXPECT_EQ(r.turns.front().caller, "t3");
  EXPECT_EQ(to_json(r)["turns_dropped"], 2);
}

TEST(CallJournal, ListsLiveCallsTellsListenersAndHandsEndedCallsOn) {
  call_journal journal;
  std::vector<std::string> sunk;
  journal.set_ended_sink([&](const call_record& r) { sunk.push_back(r.call.call_id); });
  journal.begin({"a", "default", "", "", ""}, "inbound", 1);
  json snapshot;
  std::vector<std::string> heard;
  auto id =
      journal.subscribe([&](std::string_view event,
                            const std::string& data) { heard.push_back(std::string(event) + " " + data); },
                        &snapshot);
  ASSERT_EQ(snapshot.size(), 1u);
  EXPECT_EQ(snapshot[0]["call_id"], "a");
  journal.begin({"b", "default", "", "", ""}, "outbound", 2);
  journal.event("a", ev(kind::caller_said, 1, "hi"));
  journal.event("nobody", ev(kind::caller_said, 1, "lost"));  // not live: ignored
  journal.latency("a", 1, "first_say", 5);
  EXPECT_EQ(journal.live_calls().size(), 2u);
  journal.event("a", ev(kind::ended, 1, "call over"));
  EXPECT_EQ(sunk, std::vector<std::string>{"a"});
  EXPECT_FALSE(journal.live("a"));
  ASSERT_TRUE(journal.find("a"));  // ended, still shown
  EXPECT_EQ((*journal.find("a"))["ended"], "call over");
  EXPECT_EQ(journal.live_calls()[0]["call_id"], "b");
  ASSERT_EQ(heard.size(), 4u);
  EXPECT_EQ(heard[0].rfind("call {\"call\":{", 0), 0u);
  EXPECT_NE(heard[1].find("\"caller_said\""), std::string::npos);
  EXPECT_NE(heard[2].find("\"latency\""), std::string::npos);
  EXPECT_EQ(heard[3].rfind("ended ", 0), 0u);
  journal.unsubscribe(id);
  journal.event("b", ev(kind::caller_said, 1, "unheard"));
  EXPECT_EQ(heard.size(), 4u);
}

TEST(Histogram, QuantilesInterpolateWithinTheirBucket) {
  histogram h;
  EXPECT_FALSE(h.quantile(0.5));
  for (int i = 0; i < 10; ++i) h.observe(0.2);  // all in (0.1, 0.25]
  auto p50 = h.quantile(0.5);
  ASSERT_TRUE(p50);
  EXPECT_NEAR(*p50, 0.175, 1e-9);
  h.observe(100);  // beyond the last bound
  EXPECT_EQ(h.quantile(0.999), histogram::bounds.back());
}

TEST(OutboundCall, AGoodRequestBecomesVoipbinsPostCallsWithAFlowThatKeepsTheCallUp) {
  auto r = outbound::parse_call_request(
      R"({"source":{"type":"tel","target":"+15550100"},"destinations":[{"type":"tel","target":"+15550142"},)"
      R"({"type":"extension","target":"ext-1","name":"Front desk"}],"profile":"sales"})",
      {"sales"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->profile, "sales");
  auto req = outbound::place_calls(*r, 60000);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.path, "/calls");
  auto body = json::parse(req.body);
  EXPECT_EQ(body["destinations"].size(), 2u);
  EXPECT_EQ(body["actions"], json::parse(R"([{"type":"sleep","option":{"duration":60000}}])"));
  EXPECT_FALSE(body.contains("flow_id"));

  r->flow_id = "11111111-2222-3333-4444-555555555555";
  body = json::parse(outbound::place_calls(*r, 60000).body);
  EXPECT_EQ(body["flow_id"], r->flow_id);
  EXPECT_FALSE(body.contains("actions"));
}

TEST(OutboundCall, VoipbinsAnswerGivesCallsAndGroupCalls) {
  auto p = outbound::parse_placed_calls(R"({"calls":[{"id":"c1"},{"id":"c2"}],"groupcalls":[{"id":"g1"}]})");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->calls, (std::vector<std::string>{"c1", "c2"}));
  EXPECT_EQ(p->groupcalls, std::vector<std::string>{"g1"});
  EXPECT_FALSE(outbound::parse_placed_calls(R"({"calls":[{"no":"id"}]})"));
  EXPECT_FALSE(outbound::parse_placed_calls("nope"));
}
