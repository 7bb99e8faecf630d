#include "app/settings.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

using namespace parley;

namespace {

const std::vector<std::string> providers = {"anthropic", "echo", "openai", "script"};

raw_options valid() {
  raw_options r;
  r.voipbin_accesskey = "key";
  r.voipbin_customer_id = "8d3e0a5c-6b1f-4c2a-9f7e-0a1b2c3d4e5f";
  return r;
}

std::string error_of(const raw_options& r) {
  auto s = validate(r, providers);
  return s ? std::string("<valid>") : s.error().message;
}

}  // namespace

TEST(Settings, DefaultsWithCredentialsAreValid) {
  auto s = validate(valid(), providers);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->voipbin.api.host, "api.voipbin.net");
  EXPECT_EQ(s->voipbin.api.target, "/v1.0");
  EXPECT_EQ(s->voipbin.ws.scheme, "wss");
  EXPECT_EQ(s->llm.base.target, "/v1");
  EXPECT_EQ(s->agent.silence_timeout, std::chrono::seconds(30));
  EXPECT_EQ(s->admin_listen.port, 9090);
  EXPECT_TRUE(s->events_websocket);
  EXPECT_FALSE(s->events_webhook);
  EXPECT_TRUE(s->agent.adopt_on_start);
}

TEST(Settings, TheLlmBaseUrlDefaultsToTheProvidersOwn) {
  auto openai = validate(valid(), providers);
  ASSERT_TRUE(openai) << openai.error().message;
  EXPECT_EQ(openai->llm.base.host, "api.openai.com");
  EXPECT_EQ(openai->llm.base.target, "/v1");
  auto r = valid();
  r.llm_provider = "anthropic";
  auto anthropic = validate(r, providers);
  ASSERT_TRUE(anthropic) << anthropic.error().message;
  EXPECT_EQ(anthropic->llm.base.host, "api.anthropic.com");
  EXPECT_EQ(anthropic->llm.base.target, "/v1");
  // A URL given is used whatever the provider.
  r.llm_base_url = "http://127.0.0.1:8000/v1";
  auto given = validate(r, providers);
  ASSERT_TRUE(given) << given.error().message;
  EXPECT_EQ(given->llm.base.host, "127.0.0.1");
  EXPECT_EQ(with_computed_defaults(r).llm_base_url, "http://127.0.0.1:8000/v1");
}

TEST(Settings, AdoptionAtStartCanBeTurnedOff) {
  auto r = valid();
  r.agent_adopt_on_start = false;
  auto s = validate(r, providers);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_FALSE(s->agent.adopt_on_start);
}

TEST(Settings, EachErrorNamesItsOption) {
  auto r = valid();
  r.voipbin_api_url = "ftp://x";
  EXPECT_EQ(error_of(r).rfind("voipbin.api-url: ", 0), 0u) << error_of(r);
  r = valid();
  r.voipbin_ws_url = "https://x/ws";
  EXPECT_EQ(error_of(r).rfind("voipbin.ws-url: ", 0), 0u);
  r = valid();
  r.voipbin_accesskey.clear();
  EXPECT_EQ(error_of(r).rfind("voipbin.accesskey: missing", 0), 0u);
  r = valid();
  r.voipbin_customer_id = "abc";
  EXPECT_EQ(error_of(r).rfind("voipbin.customer-id: ", 0), 0u);
  r = valid();
  r.llm_provider = "gpt";
  EXPECT_EQ(error_of(r), "llm.provider: unknown provider 'gpt' (known: anthropic, echo, openai, script)");
  r = valid();
  r.llm_provider = "script";
  EXPECT_EQ(error_of(r).rfind("llm.script: ", 0), 0u);
  r = valid();
  r.events_mode = "pigeon";
  EXPECT_EQ(error_of(r).rfind("events.mode: ", 0), 0u);
  r = valid();
  r.events_mode = "webhook";
  EXPECT_EQ(error_of(r).rfind("webhook.secret: ", 0), 0u);
  r = valid();
  r.admin_listen = "9090";
  EXPECT_EQ(error_of(r).rfind("admin.listen: ", 0), 0u);
  r = valid();
  r.log_level = "loud";
  EXPECT_EQ(error_of(r).rfind("log.level: ", 0), 0u);
  r = valid();
  r.log_format = "xml";
  EXPECT_EQ(error_of(r).rfind("log.format: ", 0), 0u);
  r = valid();
  r.agent_max_calls = 0;
  EXPECT_EQ(error_of(r).rfind("agent.max-calls: ", 0), 0u);
  r = valid();
  r.llm_timeout = 0;
  EXPECT_EQ(error_of(r).rfind("llm.timeout: ", 0), 0u);
}

TEST(Settings, TurnTakingOptions) {
  auto s = validate(valid(), providers);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->agent.barge_in.on, turn::trigger::interim);
  EXPECT_EQ(s->agent.barge_in.min_words, 2u);
  EXPECT_EQ(s->agent.barge_in.backchannels.size(), 6u);
  EXPECT_EQ(s->agent.false_interruption_timeout, std::chrono::milliseconds(1500));
  EXPECT_FALSE(s->agent.barge_in_restart);
  EXPECT_EQ(s->agent.tts_provider, "");

  auto r = valid();
  r.agent_barge_in = "speech";
  r.agent_barge_in_min_words = 3;
  r.agent_backchannels = {"got it"};
  r.agent_false_interruption_timeout = 0;
  r.agent_barge_in_action = "restart";
  r.agent_tts_provider = "gcp";
  s = validate(r, providers);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->agent.barge_in.on, turn::trigger::speech);
  EXPECT_EQ(s->agent.barge_in.min_words, 3u);
  EXPECT_EQ(s->agent.barge_in.backchannels, std::vector<std::string>{"got it"});
  EXPECT_EQ(s->agent.false_interruption_timeout.count(), 0);
  EXPECT_TRUE(s->agent.barge_in_restart);
  EXPECT_EQ(s->agent.tts_provider, "gcp");

  r = valid();
  r.agent_barge_in = "shout";
  EXPECT_EQ(error_of(r), "agent.barge-in: 'shout' is not one of speech, interim, final");
  r = valid();
  r.agent_barge_in_min_words = 0;
  EXPECT_EQ(error_of(r).rfind("agent.barge-in-min-words: ", 0), 0u);
  r = valid();
  r.agent_false_interruption_timeout = -1;
  EXPECT_EQ(error_of(r).rfind("agent.false-interruption-timeout: ", 0), 0u);
  r = valid();
  r.agent_barge_in_action = "mute";
  EXPECT_EQ(error_of(r).rfind("agent.barge-in-action: ", 0), 0u);
  r = valid();
  r.agent_tts_provider = "polly";
  EXPECT_EQ(error_of(r).rfind("agent.tts-provider: ", 0), 0u);
}

TEST(Settings, DrainOptions) {
  auto s = validate(valid(), providers);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->agent.drain_timeout, std::chrono::seconds(30));
  EXPECT_EQ(s->agent.drain_message, "Sorry, I have to go now. Goodbye!");
  EXPECT_FALSE(s->agent.drain_release);

  auto r = valid();
  r.agent_drain_timeout = 2.5;
  r.agent_drain_message = "";
  r.agent_drain_action = "release";
  s = validate(r, providers);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->agent.drain_timeout, std::chrono::milliseconds(2500));
  EXPECT_EQ(s->agent.drain_message, "");
  EXPECT_TRUE(s->agent.drain_release);

  r = valid();
  r.agent_drain_action = "x";
  EXPECT_EQ(error_of(r), "agent.drain-action: 'x' is not one of hangup, release");
  r = valid();
  r.agent_drain_timeout = -1;
  EXPECT_EQ(error_of(r).rfind("agent.drain-timeout: ", 0), 0u);
}

TEST(Settings, SchedulerValuesAreChecked) {
  auto r = valid();
  r.scheduler_max_threads = 0;
  EXPECT_EQ(error_of(r), "scheduler.max-threads: must be between 1 and 1024");
  r = valid();
  r.scheduler_policy = "bogus";
  EXPECT_EQ(error_of(r), "scheduler.policy: 'bogus' is not one of 'sharing', 'stealing'");
  r = valid();
  r.scheduler_policy = "stealing";
  r.scheduler_max_threads = 4;
  EXPECT_EQ(error_of(r), "<valid>");
}

TEST(Settings, IoThreadsMustBeOne) {
  const std::string why =
      "net.io-threads: must be 1 for now: the sockets and the request scheduler share one thread without "
      "locks";
  auto r = valid();
  r.io_threads = 2;
  EXPECT_EQ(error_of(r), why);
  r.io_threads = 0;
  EXPECT_EQ(error_of(r), why);
  r.io_threads = 1;
  EXPECT_EQ(error_of(r), "<valid>");
}

TEST(Settings, AFallbackOfAnotherProviderUsesThatProvidersUrl) {
  auto r = valid();
  r.llm_fallback_provider = "anthropic";
  auto s = validate(r, {"anthropic", "echo", "openai", "script"});
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->llm.fallback.base.host, "api.anthropic.com");
  r.llm_fallback_provider = "openai";
  r.llm_base_url = "http://127.0.0.1:9/v1";
  s = validate(r, {"anthropic", "echo", "openai", "script"});
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->llm.fallback.base.host, "127.0.0.1");  // the same provider: the primary's URL
}
