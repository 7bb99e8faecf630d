#include "protocol/readiness.hpp"

#include <gtest/gtest.h>

using parley::readiness;

TEST(Readiness, NamesTheFirstReasonItIsNotReady) {
  readiness r;
  r.websocket_required = true;
  r.webhook_required = true;
  r.max_calls = 2;
  EXPECT_EQ(to_json(r.check(0)), R"({"ready":false,"reason":"VoIPBIN WebSocket not connected"})");
  r.websocket_refused = 401;
  EXPECT_EQ(r.check(0).reason,
            "VoIPBIN WebSocket not connected (upgrade refused with HTTP 401: check voipbin.accesskey)");
  r.websocket_refused = 502;
  EXPECT_EQ(r.check(0).reason, "VoIPBIN WebSocket not connected (upgrade refused with HTTP 502)");
  r.websocket_subscribed = true;
  EXPECT_EQ(r.check(0).reason, "webhook receiver not listening");
  r.webhook_listening = true;
  EXPECT_EQ(to_json(r.check(1)), R"({"ready":true})");
  EXPECT_EQ(r.check(2).reason, "agent.max-calls (2) reached");
  r.draining = true;
  EXPECT_EQ(to_json(r.check(0)), R"({"ready":false,"reason":"draining"})");
}

TEST(Readiness, OnlyTheConfiguredSourcesCount) {
  readiness r;
  r.webhook_required = true;
  r.webhook_listening = true;
  EXPECT_TRUE(r.check(0).ready);  // webhook mode: no WebSocket needed
}
