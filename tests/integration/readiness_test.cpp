// GET /readyz with the real parley against voipbin-sim: ready only while the event source is
// connected and subscribed and parley is below agent.max-calls; refused credentials are named
// in the log and counted.

#include "conversation_fixture.hpp"

using namespace parley;
using namespace parley::test;

namespace {

const http_answer ready{200, R"({"ready":true})"};

http_answer not_ready(const std::string& reason) {
  return {503, json{{"ready", false}, {"reason", reason}}.dump()};
}

}  // namespace

class Readiness : public Conversation {
 protected:
  http_answer readyz() { return http_fetch(admin_port, "/readyz"); }
  // Polls until /readyz answers exactly `want`.
  bool readyz_becomes(const http_answer& want) {
    return eventually([&] { return readyz() == want; });
  }
};

TEST_F(Readiness, FollowsTheWebSocketSubscription) {
  wait_for_subscription = false;
  start({}, {"--llm.provider=echo"}, std::chrono::milliseconds(300), PARLEY_BINARY,
        [](sim::voipbin_sim_options& o) { o.refuse_websockets = 503; });
  const auto refused = not_ready("VoIPBIN WebSocket not connected (upgrade refused with HTTP 503)");
  ASSERT_TRUE(readyz_becomes(refused)) << readyz().body << "\n" << parley->output();
  EXPECT_EQ(http_fetch(admin_port, "/healthz").status, 200);  // alive all the same

  voipbin->refuse_websockets(0);
  ASSERT_TRUE(readyz_becomes(ready)) << readyz().body << "\n" << parley->output();
  // Ready once the subscribe is sent; the simulator counts it once it has read it.
  EXPECT_TRUE(eventually([&] { return voipbin->subscribers() == 1; }));

  // The socket drops; reconnecting is refused until parley has been seen not ready.
  voipbin->refuse_websockets(503);
  voipbin->drop_websockets();
  ASSERT_TRUE(readyz_becomes(refused)) << readyz().body << "\n" << parley->output();

  voipbin->refuse_websockets(0);
  ASSERT_TRUE(readyz_becomes(ready)) << readyz().body << "\n" << parley->output();
  EXPECT_TRUE(eventually([&] { return voipbin->subscribers() == 1; }));
}

TEST_F(Readiness, FailsWhileAtMaxCalls) {
  start({}, {"--llm.provider=echo", "--agent.greeting=\"\"", "--agent.max-calls=1"});
  ASSERT_TRUE(readyz_becomes(ready)) << readyz().body;
  auto call = voipbin->place_call(lingering_call("hello"));
  ASSERT_TRUE(readyz_becomes(not_ready("agent.max-calls (1) reached"))) << readyz().body;
  voipbin->hang_up(call);
  ASSERT_TRUE(readyz_becomes(ready)) << readyz().body << "\n" << parley->output();
}

class Credentials : public Readiness {};

TEST_F(Credentials, ARefusedAccessKeyOnTheWebSocketIsNamedAndCounted) {
  wait_for_subscription = false;
  // The later option wins: parley holds a key the sim does not know.
  start({}, {"--llm.provider=echo", "--voipbin.accesskey=not-the-key-4711"});
  ASSERT_TRUE(eventually([&] {
    return parley->output().find("HTTP 401 (authentication failed): check voipbin.accesskey") !=
           std::string::npos;
  })) << parley->output();
  EXPECT_TRUE(readyz_becomes(
      not_ready("VoIPBIN WebSocket not connected (upgrade refused with HTTP 401: check voipbin.accesskey)")))
      << readyz().body;
  auto metrics = http_get(admin_port, "/metrics");
  EXPECT_NE(metrics.find("\nparley_auth_failures_total{source=\"websocket\"} "), std::string::npos)
      << metrics;
  EXPECT_EQ(voipbin->subscribers(), 0u);
  auto log = parley->output();
  EXPECT_EQ(log.find("not-the-key-4711"), std::string::npos) << "the key was logged";
}

TEST_F(Credentials, A401FromTheRestApiIsNamedAndCounted) {
  start({}, {"--llm.provider=echo", "--agent.greeting=\"\""});
  voipbin->fail_next("POST", "/speakings", 401);
  voipbin->place_call({{"hello"}});
  ASSERT_TRUE(eventually([&] {
    return http_get(admin_port, "/metrics").find("\nparley_auth_failures_total{source=\"rest\"} 1\n") !=
           std::string::npos;
  })) << http_get(admin_port, "/metrics");
  EXPECT_NE(parley->output().find(
                "VoIPBIN answered 401 (authentication failed) to POST /speakings: check voipbin.accesskey"),
            std::string::npos)
      << parley->output();
}
