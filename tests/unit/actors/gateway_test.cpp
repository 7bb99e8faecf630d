// The gateway with real supervisors and children, talking to voipbin-sim over loopback:
// what it does with good, bad, foreign and duplicate frames.

#include <gtest/gtest.h>

#include <algorithm>

#include <atomic>
#include <caf/all.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "actors/atoms.hpp"
#include "actors/gateway.hpp"
#include "net/http_client.hpp"
#include "net/io_runtime.hpp"
#include "net/tls_context.hpp"
#include "net/voipbin_scheduler.hpp"
#include "net/ws_client.hpp"
#include "protocol/metrics.hpp"
#include "protocol/voipbin_requests.hpp"
#include "sim/voipbin_sim.hpp"
#include "sim_runtime.hpp"

using namespace parley;
using nlohmann::json;

namespace {

const std::string customer = "8d3e0a5c-6b1f-4c2a-9f7e-0a1b2c3d4e5f";
const std::string call_id = "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d";

std::string call_frame(const std::string& id, const std::string& cust, const std::string& status) {
  return json{
      {"id", id}, {"customer_id", cust}, {"type", "flow"}, {"source", json::object()}, {"status", status}}
      .dump();
}

// The gateway's live calls, sorted.
template <class Gateway>
std::vector<std::string> live_calls(caf::actor_system& sys, const Gateway& gw) {
  caf::scoped_actor self{sys};
  std::vector<std::string> out;
  self->request(gw, std::chrono::seconds(5), atoms::calls_v)
      .receive([&](const std::vector<std::string>& ids) { out = ids; }, [](caf::error&) {});
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST(Gateway, SubscribesOncePerEventKindInTheExactForm) {
  auto topics = subscription_topics(customer);
  EXPECT_EQ(topics.front(), "customer_id:" + customer + ":call:call_progressing");
  for (const auto& t : topics) EXPECT_EQ(std::count(t.begin(), t.end(), ':'), 3) << t;
  auto has = [&](const std::string& tail) {
    return std::find(topics.begin(), topics.end(), "customer_id:" + customer + ":" + tail) != topics.end();
  };
  // Speech reaches the call for barge-in; `ended` stays out (its bare frame looks like a start).
  EXPECT_TRUE(has("transcribe:transcribe_speech_started"));
  EXPECT_TRUE(has("transcribe:transcribe_speech_interim"));
  EXPECT_FALSE(has("transcribe:transcribe_speech_ended"));
}

TEST(Gateway, RoutesGoodFramesAndCountsBadOnes) {
  test::sim_runtime env;
  auto& stats = env.stats;
  auto& vsim = env.vsim;
  {
    caf::actor_system sys{test::test_config()};
    auto gw = spawn_gateway(sys, env.rt);
    auto calls = [&] { return live_calls(sys, gw); };
    caf::anon_send(gw, atoms::frame_v, std::string("{garbage"));
    caf::anon_send(gw, atoms::frame_v,
                   std::string(R"({"id":"not-a-uuid","source":{},"status":"progressing"})"));
    caf::anon_send(gw, atoms::frame_v,
                   call_frame(call_id, "11111111-2222-3333-4444-555555555555", "progressing"));
    EXPECT_TRUE(test::eventually([&] { return stats.events_total.value() == 3; }));
    EXPECT_EQ(stats.events_invalid_total.value(), 2u);
    EXPECT_EQ(stats.events_unroutable_total.value(), 1u);
    EXPECT_TRUE(calls().empty());

    // A call of ours: one supervisor, even when the event arrives twice.
    caf::anon_send(gw, atoms::frame_v, call_frame(call_id, customer, "progressing"));
    caf::anon_send(gw, atoms::frame_v, call_frame(call_id, customer, "progressing"));
    EXPECT_TRUE(test::eventually([&] { return stats.events_total.value() == 5; }));
    EXPECT_EQ(stats.events_duplicate_total.value(), 1u);
    EXPECT_EQ(calls(), std::vector<std::string>{call_id});
    EXPECT_EQ(stats.active_calls.value(), 1);

    // Hangup ends the supervisor, which stops the sessions it created.
    caf::anon_send(gw, atoms::frame_v, call_frame(call_id, customer, "hangup"));
    EXPECT_TRUE(test::eventually([&] { return calls().empty(); }));
    EXPECT_EQ(stats.active_calls.value(), 0);
    caf::anon_send(gw, atoms::shutdown_v);
  }
  std::vector<std::string> paths;
  for (const auto& r : vsim.requests()) paths.push_back(voipbin::endpoint_label({r.method, r.path, ""}));
  std::sort(paths.begin(), paths.end());
  // The transcribe is refused (the sim never placed this call); the speaking that was
  // created is stopped when the call ends.
  EXPECT_EQ(paths,
            (std::vector<std::string>{"POST /speakings", "POST /speakings/{id}/stop", "POST /transcribes"}));
}

TEST(Gateway, EventsInAnyOrderNeverReviveAHungUpCall) {
  test::sim_runtime env;
  auto& stats = env.stats;
  auto& vsim = env.vsim;
  {
    caf::actor_system sys{test::test_config()};
    auto gw = spawn_gateway(sys, env.rt);
    // Hangup first, then a late progressing, a transcript for nobody and garbage, repeated.
    caf::anon_send(gw, atoms::frame_v, call_frame(call_id, customer, "hangup"));
    caf::anon_send(gw, atoms::frame_v, call_frame(call_id, customer, "progressing"));
    std::string transcript = json{
        {"id", "6f1c9a0e-2b7d-4c55-9e3a-1d2b3c4d5e6f"},
        {"customer_id", customer},
        {"transcribe_id", "7f1c9a0e-2b7d-4c55-9e3a-1d2b3c4d5e6f"},
        {"direction", "in"},
        {"message", "hello?"},
        {"tm_transcript",
         "0001-01-01T00:00:01Z"}}.dump();
    caf::anon_send(gw, atoms::frame_v, transcript);
    for (int i = 0; i < 50; ++i) caf::anon_send(gw, atoms::frame_v, std::string("\x01\x02 not json"));
    EXPECT_TRUE(test::eventually([&] { return stats.events_total.value() == 53; }));
    EXPECT_EQ(stats.events_invalid_total.value(), 50u);
    EXPECT_EQ(stats.events_unroutable_total.value(), 2u);  // the late progressing and the transcript
    EXPECT_EQ(stats.calls_total.value(), 0u);
    caf::anon_send(gw, atoms::shutdown_v);
  }
  EXPECT_TRUE(vsim.requests().empty());  // no REST call for any of it
}

// A call's teardown removes exactly its own transcribe routes: another call's stay, and so does
// a transcribe id routed to another call since.
TEST(Gateway, ACallsTeardownRemovesOnlyItsOwnTranscribeRoutes) {
  test::sim_runtime env;
  auto& stats = env.stats;
  const std::string other_call = "1b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d";
  const std::string mine = "7f1c9a0e-2b7d-4c55-9e3a-1d2b3c4d5e61";
  const std::string theirs = "7f1c9a0e-2b7d-4c55-9e3a-1d2b3c4d5e62";
  const std::string moved = "7f1c9a0e-2b7d-4c55-9e3a-1d2b3c4d5e63";
  {
    caf::actor_system sys{test::test_config()};
    auto gw = spawn_gateway(sys, env.rt);
    auto calls = [&] { return live_calls(sys, gw); };
    caf::anon_send(gw, atoms::frame_v, call_frame(call_id, customer, "progressing"));
    caf::anon_send(gw, atoms::frame_v, call_frame(other_call, customer, "progressing"));
    EXPECT_TRUE(test::eventually([&] { return calls().size() == 2; }));
    caf::anon_send(gw, atoms::route_v, mine, call_id);
    caf::anon_send(gw, atoms::route_v, moved, call_id);
    caf::anon_send(gw, atoms::route_v, theirs, other_call);
    caf::anon_send(gw, atoms::route_v, moved, other_call);  // routed anew: now the other call's
    caf::anon_send(gw, atoms::frame_v, call_frame(call_id, customer, "hangup"));
    EXPECT_TRUE(test::eventually([&] { return calls() == std::vector<std::string>{other_call}; }));
    int n = 0;
    auto transcript_to = [&](const std::string& transcribe) {
      char id[37];
      std::snprintf(id, sizeof id, "%08x-2b7d-4c55-9e3a-1d2b3c4d5e6f", ++n);
      caf::anon_send(gw, atoms::frame_v,
                     json{{"id", id},
                          {"customer_id", customer},
                          {"transcribe_id", transcribe},
                          {"direction", "in"},
                          {"message", "hello?"},
                          {"tm_transcript", "0001-01-01T00:00:01Z"}}
                         .dump());
    };
    auto unroutable = stats.events_unroutable_total.value();
    transcript_to(theirs);
    transcript_to(moved);
    transcript_to(mine);
    // One mailbox: when the last is counted unroutable, the first two were handled already.
    EXPECT_TRUE(test::eventually([&] { return stats.events_unroutable_total.value() == unroutable + 1; }));
    calls();  // a round trip: nothing left in the gateway's mailbox
    // Only the ended call's own route is gone: the other two reached the other call.
    EXPECT_EQ(stats.events_unroutable_total.value(), unroutable + 1);
    caf::anon_send(gw, atoms::shutdown_v);
  }
}

// After a reconnect, held calls and transcribes are settled from the lists; one that a complete
// list does not show (here: unknown to VoIPBIN) is asked for on its own, after its list.
TEST(Gateway, AHeldCallOrTranscribeTheListsDoNotShowIsAskedForOnItsOwn) {
  test::sim_runtime env;
  auto& vsim = env.vsim;
  const std::string transcribe = "7f1c9a0e-2b7d-4c55-9e3a-1d2b3c4d5e6f";
  vsim.add_ended_call();  // the call list has a page and an empty one
  // Not VoIPBIN's to tell: the call stays held, and the test sees what was asked.
  vsim.fail_next("GET", "/calls/" + call_id, 403);
  auto gets = [&] {
    std::vector<std::string> out;
    for (const auto& r : vsim.requests())
      if (r.method == "GET")
        out.push_back(r.path + (r.query.find("page_token") == std::string::npos ? "" : "?next"));
    return out;
  };
  {
    caf::actor_system sys{test::test_config()};
    auto gw = spawn_gateway(sys, env.rt);
    auto calls = [&] { return live_calls(sys, gw); };
    caf::anon_send(gw, atoms::ws_up_v);  // connected: the start-up reconciliation lists the calls
    EXPECT_TRUE(test::eventually([&] { return gets().size() == 2; }));
    caf::anon_send(gw, atoms::frame_v, call_frame(call_id, customer, "progressing"));
    EXPECT_TRUE(test::eventually([&] { return calls() == std::vector<std::string>{call_id}; }));
    caf::anon_send(gw, atoms::route_v, transcribe, call_id);
    caf::anon_send(gw, atoms::ws_up_v);  // reconnected
    auto asked = [&] {
      auto g = gets();
      return std::find(g.begin(), g.end(), "/transcribes/" + transcribe) != g.end();
    };
    EXPECT_TRUE(test::eventually(asked));
    EXPECT_EQ(calls(), std::vector<std::string>{call_id});
    caf::anon_send(gw, atoms::shutdown_v);
  }
  auto g = gets();
  auto at = [&](const std::string& path) { return std::find(g.begin(), g.end(), path) - g.begin(); };
  // Each held one after the last page of its list; the transcribe list after the call list.
  ASSERT_EQ(g.size(), 7u) << testing::PrintToString(g);
  EXPECT_EQ(g[2], "/calls");
  EXPECT_EQ(g[3], "/calls?next");
  EXPECT_GT(at("/calls/" + call_id), 3);
  EXPECT_GT(at("/transcribes"), 3);
  EXPECT_GT(at("/transcribes/" + transcribe), at("/transcribes"));
  std::sort(g.begin() + 4, g.end());
  EXPECT_EQ(std::vector<std::string>(g.begin() + 4, g.end()),
            (std::vector<std::string>{"/calls/" + call_id, "/transcribes", "/transcribes/" + transcribe}));
}

// Speech events come by the thousand, each with a fresh id: they must not push the events
// that have to be acted on once out of the duplicate filter.
TEST(Gateway, SpeechEventsDoNotChurnTheDuplicateFilter) {
  test::sim_runtime env;
  auto& stats = env.stats;
  {
    caf::actor_system sys{test::test_config()};
    auto gw = spawn_gateway(sys, env.rt);
    const std::string transcribe = "7f1c9a0e-2b7d-4c55-9e3a-1d2b3c4d5e6f";
    std::string transcript = json{
        {"id", "6f1c9a0e-2b7d-4c55-9e3a-1d2b3c4d5e6f"},
        {"customer_id", customer},
        {"transcribe_id", transcribe},
        {"direction", "in"},
        {"message", "hello?"},
        {"tm_transcript",
         "0001-01-01T00:00:01Z"}}.dump();
    caf::anon_send(gw, atoms::frame_v, transcript);
    constexpr int speech = 10000;  // more than the filter holds
    for (int i = 0; i < speech; ++i) {
      char id[37];
      std::snprintf(id, sizeof id, "%08x-0000-4000-8000-000000000000", i);
      caf::anon_send(gw, atoms::frame_v,
                     json{{"id", id},
                          {"customer_id", customer},
                          {"streaming_id", "8f1c9a0e-2b7d-4c55-9e3a-1d2b3c4d5e6f"},
                          {"transcribe_id", transcribe},
                          {"direction", "in"},
                          {"message", "hello"}}
                         .dump());
    }
    caf::anon_send(gw, atoms::frame_v, transcript);  // a retried delivery of the first event
    EXPECT_TRUE(
        test::eventually([&] { return stats.events_total.value() == speech + 2; }, std::chrono::seconds(60)));
    EXPECT_EQ(stats.events_duplicate_total.value(), 1u);
    EXPECT_EQ(stats.events_invalid_total.value(), 0u);
    caf::anon_send(gw, atoms::shutdown_v);
  }
}

TEST(VoipbinSim, AnInvalidTopicClosesTheSocket) {
  net::io_runtime io{1};
  sim::voipbin_sim vsim{io.context(), {}};
  auto port = vsim.start("127.0.0.1", 0);
  ASSERT_TRUE(port);
  io.start();
  std::atomic<int> opens{0}, closes{0};
  net::ws_options o;
  o.target =
      parse_url("ws://127.0.0.1:" + std::to_string(*port) + "/v1.0/ws?accesskey=sim-accesskey").value();
  o.initial_backoff = std::chrono::seconds(30);  // one connection is enough
  std::shared_ptr<net::ws_client> ws;
  net::ws_callbacks cb;
  cb.on_open = [&] {
    ++opens;
    ws->send(R"({"type":"subscribe","topics":["customer_id:11111111-2222-3333-4444-555555555555:call"]})");
  };
  cb.on_close = [&](const std::string&, std::chrono::milliseconds) { ++closes; };
  ws = std::make_shared<net::ws_client>(io.context(), net::make_client_tls_context({}).value(), o, cb);
  ws->start();
  EXPECT_TRUE(test::eventually([&] { return closes.load() == 1; }));
  EXPECT_EQ(opens.load(), 1);
  EXPECT_EQ(vsim.subscribers(), 0u);
  ws->stop();
}

// Agent profiles: the gateway gives each call the runtime of its profile; a call that only a
// call variable could match waits for its call_variables webhook, up to agent.variables-wait.
TEST(Gateway, PicksEachCallsProfileAndWaitsBrieflyForCallVariables) {
  test::sim_runtime env;
  auto& stats = env.stats;
  auto rt = std::make_shared<runtime>(*env.rt);
  // Long enough that a call waiting for its variables still waits when the test looks, however
  // busy the machine; the wait running out is shown by a second gateway with a short one.
  rt->agent.variables_wait = std::chrono::seconds(60);
  agent_profile sales{"sales", {{"+15550111"}, {}, {}}, rt->llm, rt->agent};
  agent_profile gold{"gold", {{}, {{"tier", "gold"}}, {}}, rt->llm, rt->agent};
  rt->profiles = {sales, gold};
  auto frame = [&](const std::string& id, const std::string& status, const std::string& destination) {
    return json{{"id", id},
                {"customer_id", customer},
                {"type", "flow"},
                {"source", {{"type", "tel"}, {"target", "+15550100"}}},
                {"destination", {{"type", "tel"}, {"target", destination}}},
                {"status", status}}
        .dump();
  };
  auto variables = [](const std::string& id, const std::string& tier) {
    return json{{"type", "call_variables"}, {"data", {{"call_id", id}, {"variables", {{"tier", tier}}}}}}
        .dump();
  };
  auto profile_calls = [&](const std::string& name) {
    return stats.profile_calls_total.value("profile=\"" + name + "\"");
  };
  const std::string a = "0b1c2d3e-4f50-4a6b-8c7d-000000000001", b = "0b1c2d3e-4f50-4a6b-8c7d-000000000002",
                    c = "0b1c2d3e-4f50-4a6b-8c7d-000000000003", d = "0b1c2d3e-4f50-4a6b-8c7d-000000000004";
  {
    caf::actor_system sys{test::test_config()};
    auto gw = spawn_gateway(sys, rt);
    auto calls = [&] { return live_calls(sys, gw); };
    // Matched by the number called: taken at once, however long the wait would be.
    caf::anon_send(gw, atoms::frame_v, frame(a, "progressing", "+15550111"));
    EXPECT_TRUE(test::eventually([&] { return profile_calls("sales") == 1; }));
    // Variables first, then the call: gold at once.
    caf::anon_send(gw, atoms::frame_v, variables(b, "gold"));
    caf::anon_send(gw, atoms::frame_v, frame(b, "progressing", "+15550177"));
    EXPECT_TRUE(test::eventually([&] { return profile_calls("gold") == 1; }));
    // The call first: it waits; the variables end the wait.
    caf::anon_send(gw, atoms::frame_v, frame(c, "progressing", "+15550177"));
    EXPECT_TRUE(test::eventually([&] { return stats.events_total.value() == 4; }));
    EXPECT_EQ(calls(), (std::vector<std::string>{a, b}));
    caf::anon_send(gw, atoms::frame_v, variables(c, "gold"));
    EXPECT_TRUE(test::eventually([&] { return profile_calls("gold") == 2; }));
    EXPECT_EQ(calls(), (std::vector<std::string>{a, b, c}));
    // No variables ever: after the wait, the default.
    auto short_wait = std::make_shared<runtime>(*rt);
    short_wait->agent.variables_wait = std::chrono::milliseconds(300);
    auto gw2 = spawn_gateway(sys, short_wait);
    caf::anon_send(gw2, atoms::frame_v, frame(d, "progressing", "+15550177"));
    EXPECT_TRUE(test::eventually([&] { return profile_calls("default") == 1; }));
    caf::anon_send(gw2, atoms::shutdown_v);
    // A malformed body is counted, never fatal.
    auto invalid = stats.events_invalid_total.value();
    caf::anon_send(gw, atoms::frame_v, std::string(R"({"type":"call_variables","data":{"call_id":7}})"));
    EXPECT_TRUE(test::eventually([&] { return stats.events_invalid_total.value() == invalid + 1; }));
    caf::anon_send(gw, atoms::shutdown_v);
  }
}
