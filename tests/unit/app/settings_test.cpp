#include "app/settings.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <fstream>

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
  EXPECT_EQ(error_of(r), "scheduler.policy: 'bogus' is not one of 'sharing', 'caf-sharing', 'stealing'");
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

namespace {

// A tools file that is removed with the test.
struct tools_file {
  std::string path = "/tmp/parley-settings-tools-" + std::to_string(::getpid()) + ".json";
  explicit tools_file(const std::string& text) { std::ofstream(path) << text; }
  ~tools_file() { ::unlink(path.c_str()); }
};

const char* two_tools = R"([
  {"name": "lookup_order", "description": "Look up an order.", "url": "https://shop.example/orders",
   "headers": {"Authorization": "Bearer ${PARLEY_TEST_TOOLS_TOKEN}"}, "timeout": 4},
  {"name": "book", "description": "Book a slot.", "url": "http://127.0.0.1:9000/book", "method": "PUT",
   "parameters": {"type": "object", "properties": {"day": {"type": "string"}}}}
])";

}  // namespace

TEST(Settings, ToolsAreOffByDefault) {
  auto s = validate(valid(), providers);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_TRUE(s->agent.builtin_tools.empty());
  EXPECT_TRUE(s->agent.http_tools.empty());
  EXPECT_TRUE(s->agent.offered_tools.empty());
  EXPECT_EQ(s->agent.max_tool_calls, 5);
  EXPECT_EQ(s->agent.transfer_to, "");
  EXPECT_EQ(s->agent.transfer_message, "Please hold while I transfer you to a colleague.");
}

TEST(Settings, BuiltinTools) {
  auto r = valid();
  r.agent_tools = {"end_call"};
  auto s = validate(r, providers);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->agent.builtin_tools, std::vector<std::string>{"end_call"});
  ASSERT_EQ(s->agent.offered_tools.size(), 1u);
  EXPECT_EQ(s->agent.offered_tools[0].name, "end_call");
  EXPECT_EQ(s->agent.offered_tools[0].description, builtin_tool_definition("end_call").description);
  r.agent_tools = {"end_call", "hang_up"};
  EXPECT_EQ(error_of(r), "agent.tools: 'hang_up' is not a built-in tool (end_call, transfer_call)");
  r.agent_tools = {"end_call", "end_call"};
  EXPECT_EQ(error_of(r), "agent.tools: 'end_call' is given twice");
}

TEST(Settings, TransferCallNeedsAnAddress) {
  auto r = valid();
  r.agent_tools = {"transfer_call", "end_call"};
  EXPECT_EQ(
      error_of(r),
      "agent.transfer-to: required when agent.tools has transfer_call; set a tel:+E.164 or sip: address");
  r.agent_transfer_to = "tel:+15551234567";
  r.agent_transfer_message = "One moment.";
  auto s = validate(r, providers);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->agent.transfer_to, "tel:+15551234567");
  EXPECT_EQ(s->agent.transfer_message, "One moment.");
  ASSERT_EQ(s->agent.offered_tools.size(), 2u);  // in the order given
  EXPECT_EQ(s->agent.offered_tools[0].name, "transfer_call");
  EXPECT_EQ(s->agent.offered_tools[1].name, "end_call");
}

TEST(Settings, TransferAddressesAreChecked) {
  auto r = valid();
  for (const char* good :
       {"tel:+1234567", "tel:+123456789012345", "sip:desk@pbx.example.com", "sip:200@10.0.0.7:5060"}) {
    r.agent_transfer_to = good;
    EXPECT_EQ(error_of(r), "<valid>") << good;
  }
  // Checked whenever set, transfer_call or not.
  for (const char* bad : {"tel:+123456", "tel:+1234567890123456", "tel:15551234567", "tel:+1555-123-4567",
                          "+15551234567", "sip:pbx.example.com", "sip:@pbx.example.com", "sip:desk@",
                          "sip:de sk@pbx", "sip:desk@pbx/x", "sips:desk@pbx", "sip:desk@pbx:"}) {
    r.agent_transfer_to = bad;
    EXPECT_EQ(error_of(r), "agent.transfer-to: '" + std::string(bad) +
                               "' is not tel:+ and 7 to 15 digits (E.164) or a sip:user@host address")
        << bad;
  }
}

TEST(Settings, MaxToolCalls) {
  auto r = valid();
  r.agent_max_tool_calls = 0;
  EXPECT_EQ(error_of(r), "agent.max-tool-calls: must be between 1 and 100");
  r.agent_max_tool_calls = 101;
  EXPECT_EQ(error_of(r), "agent.max-tool-calls: must be between 1 and 100");
  for (int n : {1, 100}) {
    r.agent_max_tool_calls = n;
    auto s = validate(r, providers);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->agent.max_tool_calls, n);
  }
}

TEST(Settings, ToolsFileToolsAreOfferedAfterTheBuiltins) {
  tools_file file(two_tools);
  ::setenv("PARLEY_TEST_TOOLS_TOKEN", "tok-settings-31337", 1);
  auto r = valid();
  r.agent_tools = {"end_call"};
  r.agent_tools_file = file.path;
  auto s = validate(r, providers);
  ::unsetenv("PARLEY_TEST_TOOLS_TOKEN");
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_EQ(s->agent.http_tools.size(), 2u);
  EXPECT_EQ(s->agent.http_tools[0].definition.name, "lookup_order");
  ASSERT_EQ(s->agent.http_tools[0].headers.size(), 1u);
  EXPECT_EQ(s->agent.http_tools[0].headers[0].second, "Bearer tok-settings-31337");  // from getenv
  EXPECT_EQ(s->agent.http_tools[0].timeout, std::chrono::seconds(4));
  EXPECT_EQ(s->agent.http_tools[1].method, "PUT");
  ASSERT_EQ(s->agent.offered_tools.size(), 3u);
  EXPECT_EQ(s->agent.offered_tools[0].name, "end_call");
  EXPECT_EQ(s->agent.offered_tools[1].name, "lookup_order");
  EXPECT_EQ(s->agent.offered_tools[1].description, "Look up an order.");
  EXPECT_EQ(s->agent.offered_tools[2].name, "book");
  EXPECT_EQ(s->agent.offered_tools[2].parameters, s->agent.http_tools[1].definition.parameters);
  EXPECT_NE(s->agent.offered_tools[2].parameters.find("\"day\""), std::string::npos);
}

TEST(Settings, ToolsFileErrorsNameTheFile) {
  auto r = valid();
  {
    tools_file file(two_tools);  // PARLEY_TEST_TOOLS_TOKEN is not set
    r.agent_tools_file = file.path;
    EXPECT_EQ(error_of(r), "agent.tools-file: " + file.path +
                               ": tool 'lookup_order': headers: Authorization: the environment variable "
                               "PARLEY_TEST_TOOLS_TOKEN is not set");
  }
  {
    tools_file file(R"([{"name": "x", "description": "X", "url": "https://x.example/", "timeout": 0}])");
    r.agent_tools_file = file.path;
    EXPECT_EQ(error_of(r), "agent.tools-file: " + file.path +
                               ": tool 'x': timeout: must be a number of seconds above 0 and at most 300");
  }
  {
    tools_file file("{not json");
    r.agent_tools_file = file.path;
    EXPECT_EQ(error_of(r).rfind("agent.tools-file: " + file.path + ": not valid JSON: ", 0), 0u)
        << error_of(r);
  }
  r.agent_tools_file = "/nonexistent/tools.json";
  EXPECT_EQ(error_of(r),
            "agent.tools-file: /nonexistent/tools.json: cannot open (No such file or directory)");
  r.agent_tools_file = "/tmp";
  EXPECT_EQ(error_of(r), "agent.tools-file: /tmp: is a directory, not a tools file");
}

TEST(Settings, ClusterOptions) {
  auto s = validate(valid(), providers);
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->cluster.redis);
  EXPECT_EQ(s->cluster.node_id.rfind('-'), s->cluster.node_id.size() - std::to_string(getpid()).size() - 1)
      << "default: host name and pid, got " << s->cluster.node_id;

  auto r = valid();
  r.cluster_mode = "redis";
  r.cluster_redis_url = "redis://cache.internal:6380/2";
  r.cluster_redis_password = "hunter2";
  r.cluster_node_id = "parley-0";
  r.cluster_lease = 4.5;
  r.cluster_redis_down = "serve-alone";
  s = validate(r, providers);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_TRUE(s->cluster.redis);
  EXPECT_EQ(s->cluster.endpoint.to_string(), "redis://cache.internal:6380/2");
  EXPECT_EQ(s->cluster.password, "hunter2");
  EXPECT_EQ(s->cluster.node_id, "parley-0");
  EXPECT_EQ(s->cluster.lease, std::chrono::milliseconds(4500));
  EXPECT_TRUE(s->cluster.serve_alone);

  auto refused = [&](auto set, const std::string& option) {
    auto bad = r;
    set(bad);
    auto e = error_of(bad);
    EXPECT_EQ(e.rfind(option + ": ", 0), 0u) << e;
    EXPECT_EQ(e.find("hunter2"), std::string::npos) << e;
  };
  refused([](raw_options& x) { x.cluster_mode = "mesh"; }, "cluster.mode");
  refused([](raw_options& x) { x.cluster_redis_url = "rediss://cache:6380"; }, "cluster.redis-url");
  refused([](raw_options& x) { x.cluster_redis_url = "redis://cache:99999"; }, "cluster.redis-url");
  refused([](raw_options& x) { x.cluster_node_id = "two words"; }, "cluster.node-id");
  refused([](raw_options& x) { x.cluster_lease = 0.5; }, "cluster.lease");
  refused([](raw_options& x) { x.cluster_redis_down = "panic"; }, "cluster.redis-down");
}
