// Events by webhook (events.mode webhook or both): signed deliveries from voipbin-sim, and
// what parley answers to bad ones.

#include "conversation_fixture.hpp"
#include "protocol/webhook_signature.hpp"

using namespace parley;
using namespace parley::test;

namespace {

const std::string secret = "whsec-test-0123456789";

}  // namespace

class Webhook : public Conversation {
 protected:
  void start_with(const std::string& mode, bool twice) {
    webhook_port = free_port();
    start({},
          {"--llm.provider=echo", "--agent.greeting=\"\"", "--events.mode=" + mode,
           "--webhook.listen=127.0.0.1:" + std::to_string(webhook_port), "--webhook.secret=" + secret},
          std::chrono::milliseconds(300), PARLEY_BINARY, [&](sim::voipbin_sim_options& o) {
            o.webhook_url = "http://127.0.0.1:" + std::to_string(webhook_port) + "/v1/webhook";
            o.webhook_secret = secret;
            o.webhook_twice = twice;
          });
  }

  // Every event acted on once: one session of each kind, one /say per caller line.
  void expect_one_conversation() {
    ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 1 && voipbin->live_speakings() == 0; }))
        << parley->output();
    auto all = voipbin->requests();
    std::size_t transcribes = 0, speakings = 0;
    for (const auto& r : all) {
      transcribes += r.method == "POST" && r.path == "/transcribes";
      speakings += r.method == "POST" && r.path == "/speakings";
    }
    EXPECT_EQ(transcribes, 1u);
    EXPECT_EQ(speakings, 1u);
    auto says = only(all, "/say");
    ASSERT_EQ(says.size(), 2u);
    EXPECT_EQ(json::parse(says[0].body)["text"], "You said: one");
    EXPECT_EQ(json::parse(says[1].body)["text"], "You said: two");
  }

  int post(const std::string& body, const std::string& signature, const std::string& path = "/v1/webhook") {
    std::vector<std::pair<std::string, std::string>> h = {{"Content-Type", "application/json"}};
    if (!signature.empty()) h.push_back({"X-VoIPBIN-Signature", signature});
    return http_status(webhook_port, "POST", path, body, h);
  }
};

TEST(WebhookSignature, MatchesHmacSha256) {
  // RFC 4231-style check with a well-known vector.
  EXPECT_EQ(voipbin::webhook_signature("key", "The quick brown fox jumps over the lazy dog"),
            "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
  EXPECT_TRUE(voipbin::verify_webhook_signature(
      "key", "The quick brown fox jumps over the lazy dog",
      "sha256=F7BC83F430538424B13298E6AA6FB143EF4D59A14946175997479DBC2D1A3CD8"));
  EXPECT_FALSE(voipbin::verify_webhook_signature(
      "key", "The quick brown fox jumps over the lazy cat",
      "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"));
  EXPECT_FALSE(voipbin::verify_webhook_signature("key", "x", "sha256="));
}

TEST_F(Webhook, ConversationOverRetriedWebhooksActsOnEachEventOnce) {
  start_with("webhook", true);
  // Ready with the receiver listening: no WebSocket is needed in webhook mode.
  EXPECT_TRUE(eventually([&] {
    return http_fetch(admin_port, "/readyz") == http_answer{200, R"({"ready":true})"};
  })) << http_fetch(admin_port, "/readyz").body;
  voipbin->place_call({{"one", "two"}});
  expect_one_conversation();
  auto metrics = http_get(admin_port, "/metrics");
  EXPECT_EQ(metrics.find("\nparley_events_duplicate_total 0\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("parley_webhook_requests_total{status=\"200\"}"), std::string::npos);
}

TEST_F(Webhook, BothSourcesDeliverTheSameEventsOnce) {
  start_with("both", false);
  voipbin->place_call({{"one", "two"}});
  expect_one_conversation();
}

TEST_F(Webhook, BadDeliveriesAreRefusedWithoutActing) {
  start_with("webhook", false);
  auto progressing = [](const std::string& id) {
    return json{{"type", "call_progressing"},
                {"data",
                 {{"id", id},
                  {"customer_id", "8d3e0a5c-6b1f-4c2a-9f7e-0a1b2c3d4e5f"},
                  {"source", json::object()},
                  {"status", "progressing"}}}}
        .dump();
  };
  const std::string refused_call = "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d";
  const std::string marker_call = "1c2d3e4f-5061-4b7c-9d8e-0f1a2b3c4d5e";
  std::string call = progressing(refused_call);
  // Whether parley created a transcribe or speaking session for `id`.
  auto served = [&](const std::string& id) {
    for (const auto& r : voipbin->requests())
      if (r.method == "POST" && (r.path == "/transcribes" || r.path == "/speakings") &&
          json::parse(r.body).value("reference_id", "") == id)
        return true;
    return false;
  };
  EXPECT_EQ(post(call, ""), 401);
  EXPECT_EQ(post(call, "sha256=" + std::string(64, '0')), 401);
  EXPECT_EQ(post(call, voipbin::webhook_signature("another-secret", call)), 401);
  std::string garbage = "{\"type\":";
  EXPECT_EQ(post(garbage, voipbin::webhook_signature(secret, garbage)), 400);
  std::string no_data = R"({"type":"call_hangup"})";
  EXPECT_EQ(post(no_data, voipbin::webhook_signature(secret, no_data)), 400);
  std::string huge(300 * 1024, 'x');
  EXPECT_EQ(post(huge, voipbin::webhook_signature(secret, huge)), 413);
  EXPECT_EQ(post(call, voipbin::webhook_signature(secret, call), "/elsewhere"), 404);
  EXPECT_EQ(http_status(webhook_port, "GET", "/v1/webhook", ""), 405);
  // A good delivery after them, for another call: once parley has answered it, it has acted on
  // everything delivered before it (one gateway, in order), and none of that may have been the
  // refused call.
  std::string marker = progressing(marker_call);
  EXPECT_EQ(post(marker, voipbin::webhook_signature(secret, marker)), 200);
  ASSERT_TRUE(eventually([&] { return served(marker_call); })) << parley->output();
  EXPECT_FALSE(served(refused_call)) << "a refused delivery was acted on";
  // The same body, signed right, is acted on: parley answers the call.
  EXPECT_EQ(post(call, voipbin::webhook_signature(secret, call)), 200);
  EXPECT_TRUE(eventually([&] { return served(refused_call); }));
}

TEST_F(Webhook, RegisterSetsTheWebhookAndKeepsTheOtherFields) {
  sim::voipbin_sim_options vo;
  vo.webhook_secret = "the-customer-secret-not-to-print";
  voipbin = std::make_unique<sim::voipbin_sim>(io.context(), vo);
  auto port = voipbin->start("127.0.0.1", 0);
  ASSERT_TRUE(port);
  io.start();
  std::string api = "--voipbin.api-url=http://127.0.0.1:" + std::to_string(*port) + "/v1.0";
  child_process p(PARLEY_BINARY,
                  {"webhook", "register", "--url=https://hooks.example.com/parley", api,
                   "--voipbin.accesskey=" + vo.accesskey, "--voipbin.customer-id=" + vo.customer_id});
  ASSERT_EQ(p.wait(std::chrono::seconds(20)), 0) << p.output();
  auto all = voipbin->requests();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].method + " " + all[0].path, "GET /customer");
  EXPECT_EQ(all[1].method + " " + all[1].path, "PUT /customer");
  EXPECT_EQ(json::parse(all[1].body), json({{"name", "Chez Parley"},
                                            {"detail", "the demo restaurant"},
                                            {"email", "owner@example.com"},
                                            {"phone_number", "+15550100"},
                                            {"address", "1 Loopback Lane"},
                                            {"webhook_method", "POST"},
                                            {"webhook_uri", "https://hooks.example.com/parley"}}));
  EXPECT_EQ(all[1].status, 200);
  EXPECT_EQ(p.output().find(vo.webhook_secret), std::string::npos);

  child_process missing(PARLEY_BINARY, {"webhook", "register", api});
  ASSERT_EQ(missing.wait(std::chrono::seconds(10)), 2);
  EXPECT_EQ(missing.output(), "parley: webhook register: --url=URL is required\n");
}
