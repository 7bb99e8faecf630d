// Agent profiles: the real parley picks each call's profile by the number called, a call
// variable (a signed call_variables webhook) or neither (the default), and refuses a bad
// profile at start-up.

#include <fstream>

#include "conversation_fixture.hpp"
#include "protocol/webhook_signature.hpp"

using namespace parley;
using namespace parley::test;

namespace {

const std::string secret = "whsec-profiles-0123456789";

const std::string profiles_ini =
    "[profiles.sales]\n"
    "match.destination=[\"+15550111\"]\n"
    "agent.greeting=\"Sales, hello.\"\n"
    "llm.provider=\"script\"\n"
    "llm.script=[\"Sales can help with that.\"]\n"
    "\n"
    "[profiles.gold]\n"
    "match.variable=[\"tier=gold\"]\n"
    "agent.greeting=\"Gold desk, hello.\"\n";

struct ini_file {
  std::string path;
  explicit ini_file(const std::string& text, const char* name)
      : path("/tmp/parley-it-" + std::string(name) + "-" + std::to_string(::getpid()) + ".ini") {
    std::ofstream(path) << text;
  }
  ~ini_file() { ::unlink(path.c_str()); }
};

sim::scripted_call call_to(const std::string& destination) {
  sim::scripted_call c(std::vector<std::string>{"I need help."});
  c.destination = destination;
  return c;
}

}  // namespace

class Profiles : public Conversation {
 protected:
  void SetUp() override {
    file = std::make_unique<ini_file>(profiles_ini, "profiles");
    webhook_port = free_port();
    // A call no destination matches waits for its variables as long as the test may take:
    // whether they come before or after `progressing`, it is answered once they are in.
    extra = {"--config-file=" + file->path,
             "--llm.provider=echo",
             "--agent.greeting=Default here.",
             "--events.mode=both",
             "--webhook.listen=127.0.0.1:" + std::to_string(webhook_port),
             "--webhook.secret=" + secret,
             "--agent.variables-wait=60"};
    start({}, extra);
  }

  int post_variables(const std::string& call_id, const std::string& tier, const std::string& key = secret) {
    auto body =
        json{{"type", "call_variables"}, {"data", {{"call_id", call_id}, {"variables", {{"tier", tier}}}}}}
            .dump();
    return http_status(webhook_port, "POST", "/v1/webhook", body,
                       {{"Content-Type", "application/json"},
                        {"X-VoIPBIN-Signature", voipbin::webhook_signature(key, body)}});
  }

  // The texts said on the call, in order (its speaking sessions' /say requests).
  std::vector<std::string> said_on(const std::string& call_id) const {
    std::vector<std::string> speakings, texts;
    for (const auto& r : voipbin->requests()) {
      if (r.method == "POST" && r.path == "/speakings" && r.status / 100 == 2) {
        auto body = json::parse(r.body, nullptr, false);
        if (body.is_object() && body.value("reference_id", "") == call_id)
          speakings.push_back(json::parse(r.response).value("id", ""));
      }
      for (const auto& s : speakings)
        if (r.path == "/speakings/" + s + "/say") texts.push_back(json::parse(r.body)["text"]);
    }
    return texts;
  }

  void expect_conversation(const std::string& call_id, std::size_t finished,
                           const std::vector<std::string>& expected) {
    ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == finished; })) << parley->output();
    EXPECT_EQ(said_on(call_id), expected) << parley->output();
  }

  std::unique_ptr<ini_file> file;
  std::vector<std::string> extra;
};

TEST_F(Profiles, TheNumberCalledPicksTheProfile) {
  auto id = voipbin->place_call(call_to("+15550111"));
  expect_conversation(id, 1, {"Sales, hello.", "Sales can help with that."});
  EXPECT_EQ(metric("parley_profile_calls_total{profile=\"sales\"}"), 1);
  EXPECT_NE(parley->output().find("call " + id + ": profile sales (from +15550100 to +15550111)"),
            std::string::npos)
      << parley->output();
}

TEST_F(Profiles, ACallVariablePicksTheProfile) {
  auto id = voipbin->place_call(call_to("+15550177"));
  ASSERT_EQ(post_variables(id, "gold"), 200);
  // The model is the default's (echo): only what the profile sets differs.
  expect_conversation(id, 1, {"Gold desk, hello.", "You said: I need help."});
  EXPECT_EQ(metric("parley_profile_calls_total{profile=\"gold\"}"), 1);
}

TEST_F(Profiles, ACallNoProfileMatchesGetsTheDefault) {
  auto id = voipbin->place_call(call_to("+15550177"));
  ASSERT_EQ(post_variables(id, "silver"), 200);
  expect_conversation(id, 1, {"Default here.", "You said: I need help."});
  EXPECT_EQ(metric("parley_profile_calls_total{profile=\"default\"}"), 1);
  EXPECT_EQ(metric("parley_profile_calls_total{profile=\"gold\"}"), -1);
}

TEST_F(Profiles, UnsignedOrMalformedVariablesChangeNothing) {
  auto id = voipbin->place_call(call_to("+15550177"));
  // Signed with another key: refused, the call still waits for its variables.
  EXPECT_EQ(post_variables(id, "gold", "not-the-secret"), 401);
  // Signed but malformed: accepted by the receiver, counted and ignored by the gateway.
  auto bad =
      json{{"type", "call_variables"}, {"data", {{"call_id", id}, {"variables", {{"tier", 7}}}}}}.dump();
  EXPECT_EQ(http_status(webhook_port, "POST", "/v1/webhook", bad,
                        {{"X-VoIPBIN-Signature", voipbin::webhook_signature(secret, bad)}}),
            200);
  ASSERT_TRUE(eventually([&] { return metric("parley_events_invalid_total") >= 1; }));
  EXPECT_TRUE(said_on(id).empty());
  ASSERT_EQ(post_variables(id, "silver"), 200);
  expect_conversation(id, 1, {"Default here.", "You said: I need help."});
}

TEST_F(Profiles, AnAdoptedCallKeepsItsProfile) {
  sim::caller_turn later("Are you still there?");
  later.on_cue = true;  // the caller stays on the line, silent, until the test lets them go on
  sim::scripted_call c(std::vector<sim::caller_turn>{sim::caller_turn("I need help."), later});
  c.destination = "+15550111";
  auto id = voipbin->place_call(c);
  ASSERT_TRUE(eventually([&] { return said_on(id).size() == 2; })) << parley->output();
  ASSERT_EQ(parley->kill(), 128 + 9);
  ASSERT_TRUE(eventually([&] { return voipbin->subscribers() == 0; }));
  // The next parley finds the call in GET /calls and gives it the profile its number gives.
  launch(extra);
  ASSERT_TRUE(eventually([&] { return metric("parley_profile_calls_total{profile=\"sales\"}") == 1; }))
      << parley->output();
  EXPECT_NE(parley->output().find("call " + id + ": profile sales (from +15550100 to +15550111)"),
            std::string::npos)
      << parley->output();
  EXPECT_EQ(metric("parley_calls_adopted_total"), 1);
  voipbin->cue(id);
}

// A bad profile stops the real binary with exit 2, one line per problem.
TEST(ProfilesConfig, BadProfilesStopStartUp) {
  ini_file ini(
      "[profiles.sales]\nmatch.destination=[\"+15550111\"]\nllm.provider=\"hal9000\"\n"
      "[profiles.support]\nmatch.destination=[\"+15550111\"]\n",
      "bad-profiles");
  child_process p(PARLEY_BINARY,
                  {"--voipbin.accesskey=k", "--voipbin.customer-id=8d3e0a5c-6b1f-4c2a-9f7e-0a1b2c3d4e5f",
                   "--config-file=" + ini.path});
  auto rc = p.wait(std::chrono::seconds(10));
  ASSERT_TRUE(rc.has_value()) << "parley did not exit";
  EXPECT_EQ(*rc, 2) << p.output();
  EXPECT_EQ(
      p.output(),
      "parley: profiles.sales.llm.provider: unknown provider 'hal9000' (known: anthropic, echo, openai, "
      "script)\n"
      "parley: profiles.support.match.destination: '+15550111' is matched by profiles.sales too (a call must "
      "have one profile)\n");

  child_process typo(PARLEY_BINARY,
                     {"--voipbin.accesskey=k", "--voipbin.customer-id=8d3e0a5c-6b1f-4c2a-9f7e-0a1b2c3d4e5f",
                      "--profiles.sales.admin.listen=127.0.0.1:1"});
  EXPECT_EQ(typo.wait(std::chrono::seconds(10)), 2);
  EXPECT_EQ(
      typo.output().rfind("parley: profiles.sales.admin.listen: admin.listen cannot be set per profile", 0),
      0u)
      << typo.output();
}

TEST(ProfilesConfig, DumpConfigShowsProfilesWithoutSecrets) {
  ini_file ini("[profiles.sales]\nmatch.destination=[\"+15550111\"]\nllm.api-key=\"sk-sales-31415\"\n",
               "dump-profiles");
  child_process p(PARLEY_BINARY, {"--dump-config", "--voipbin.accesskey=k",
                                  "--voipbin.customer-id=8d3e0a5c-6b1f-4c2a-9f7e-0a1b2c3d4e5f",
                                  "--config-file=" + ini.path});
  EXPECT_EQ(p.wait(std::chrono::seconds(10)), 0) << p.output();
  EXPECT_NE(p.output().find("\n[profiles.sales]\nmatch.destination=[\"+15550111\"]\nllm.api-key=<set>\n"),
            std::string::npos)
      << p.output();
  EXPECT_EQ(p.output().find("sk-sales-31415"), std::string::npos);
}
