// The model acts (docs/tools.md): built-in tools (end_call, transfer_call) and HTTP tools of a
// tools file. parley runs as a process against voipbin-sim, llm-sim (whose scripted replies
// call tools, streamed in pieces) and, for HTTP tools, a tool server in the test process.

#include <fstream>
#include <mutex>

#include "conversation_fixture.hpp"
#include "net/http_server.hpp"

using namespace parley;
using namespace parley::test;

namespace {

const std::string tool_key = "tool-key-secret-4711";

// An HTTP tool's server: records what it was sent and answers `body`, at once or, when held,
// only once released (a slow tool).
class tool_server {
 public:
  explicit tool_server(boost::asio::io_context& io) {
    auto server = net::http_server::listen(
        io, {"127.0.0.1", 0}, [this](net::server_request req, std::shared_ptr<net::server_reply> reply) {
          std::lock_guard lock{mutex_};
          received_.push_back(std::move(req));
          if (hold_ > 0) {
            --hold_;
            held_.push_back(std::move(reply));
          } else
            reply->respond({status_, {{"Content-Type", "application/json"}}, body_});
        });
    EXPECT_TRUE(server);
    if (server) server_ = *server;
  }
  ~tool_server() {
    if (server_) server_->stop();
  }

  uint16_t port() const { return server_ ? server_->port() : 0; }
  void answer(int status, std::string body) {
    std::lock_guard lock{mutex_};
    status_ = status;
    body_ = std::move(body);
  }
  // The next `n` requests are never answered (until the client gives up).
  void hold_next(int n) {
    std::lock_guard lock{mutex_};
    hold_ = n;
  }
  std::vector<net::server_request> received() const {
    std::lock_guard lock{mutex_};
    return received_;
  }
  // Answers the requests held so far.
  void release() {
    std::lock_guard lock{mutex_};
    for (auto& r : held_) r->respond({status_, {{"Content-Type", "application/json"}}, body_});
    held_.clear();
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<net::http_server> server_;
  std::vector<net::server_request> received_;
  std::vector<std::shared_ptr<net::server_reply>> held_;
  int hold_ = 0;
  int status_ = 200;
  std::string body_ = R"({"status":"shipped"})";
};

class Tools : public Conversation {
 protected:
  void TearDown() override {
    Conversation::TearDown();
    ::unsetenv("PARLEY_TEST_TOOL_KEY");
    if (!tools_file.empty()) std::remove(tools_file.c_str());
  }

  // A tools file with one tool, `name`, served by `server` at /tools/<name>.
  std::string write_tools_file(const std::string& name, const tool_server& server, double timeout = 10) {
    tools_file = "/tmp/parley-tools-" + std::to_string(::getpid()) + "-" + name + ".json";
    json tool{
        {"name", name},
        {"description", "Looks up an order by its number."},
        {"parameters",
         {{"type", "object"}, {"properties", {{"order", {{"type", "string"}}}}}, {"required", {"order"}}}},
        {"url", "http://127.0.0.1:" + std::to_string(server.port()) + "/tools/" + name},
        {"headers", {{"X-Tool-Key", "${PARLEY_TEST_TOOL_KEY}"}}},
        {"timeout", timeout}};
    std::ofstream(tools_file) << json::array({tool}).dump(2);
    ::setenv("PARLEY_TEST_TOOL_KEY", tool_key.c_str(), 1);  // what ${PARLEY_TEST_TOOL_KEY} is
    return "--agent.tools-file=" + tools_file;
  }

  // Everything said, one text.
  std::string said_text() const {
    std::string all;
    for (const auto& t : said()) all += (all.empty() ? "" : " ") + t;
    return all;
  }

  // The messages of the n-th request the model was sent.
  json model_messages(std::size_t n) const {
    auto requests = llm->requests();
    return n < requests.size() ? json::parse(requests[n])["messages"] : json::array();
  }

  std::string tools_file;
};

sim::llm_sim_options quick(std::vector<std::string> replies) {
  sim::llm_sim_options lo;
  lo.replies = std::move(replies);
  lo.first_token_delay = std::chrono::milliseconds(10);
  lo.token_delay = std::chrono::milliseconds(5);
  return lo;
}

}  // namespace

// The model calls an HTTP tool (the call streamed in pieces): the tool gets {call_id,
// arguments} with its header from the environment, its answer goes back to the model as the
// result of that call, and what the model says then is spoken.
TEST_F(Tools, AnHttpToolsAnswerReachesTheModel) {
  tool_server server(io.context());
  start(quick({"Let me check that. [[tool lookup_order {\"order\":\"42\"}]]", "Your order says {tool}.",
               "You are welcome."}),
        {"--agent.greeting=\"\"", write_tools_file("lookup_order", server)});
  auto call = voipbin->place_call({{"where is my order", "thanks"}});
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 1 && voipbin->live_speakings() == 0; }))
      << parley->output();
  EXPECT_EQ(said(),
            (std::vector<std::string>{"Let me check that.", R"(Your order says {"status":"shipped"}.)",
                                      "You are welcome."}))
      << parley->output();

  auto got = server.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].method, "POST");
  EXPECT_EQ(got[0].path(), "/tools/lookup_order");
  EXPECT_EQ(net::find_header(got[0].headers, "X-Tool-Key"), tool_key);
  auto sent = json::parse(got[0].body);
  EXPECT_EQ(sent["call_id"], call);
  EXPECT_EQ(sent["arguments"], json({{"order", "42"}}));

  // The first request offered the tool; the second carries the call and its result, and so
  // does the next turn's.
  ASSERT_EQ(llm->requests().size(), 3u);
  auto next_turn = model_messages(2);
  ASSERT_GE(next_turn.size(), 5u);
  EXPECT_EQ(next_turn[next_turn.size() - 4]["tool_calls"].size(), 1u);
  EXPECT_EQ(next_turn[next_turn.size() - 3]["role"], "tool");
  EXPECT_EQ(next_turn[next_turn.size() - 2]["content"], R"(Your order says {"status":"shipped"}.)");
  EXPECT_EQ(next_turn.back()["content"], "thanks");
  auto first = json::parse(llm->requests()[0]);
  ASSERT_EQ(first["tools"].size(), 1u);
  EXPECT_EQ(first["tools"][0]["function"]["name"], "lookup_order");
  auto messages = model_messages(1);
  ASSERT_GE(messages.size(), 3u);
  auto& asked = messages[messages.size() - 2];
  auto& result = messages.back();
  EXPECT_EQ(asked["role"], "assistant");
  EXPECT_EQ(asked["content"], "Let me check that.");
  ASSERT_EQ(asked["tool_calls"].size(), 1u);
  EXPECT_EQ(asked["tool_calls"][0]["function"]["name"], "lookup_order");
  EXPECT_EQ(json::parse(asked["tool_calls"][0]["function"]["arguments"].get<std::string>()),
            json({{"order", "42"}}));
  EXPECT_EQ(result["role"], "tool");
  EXPECT_EQ(result["tool_call_id"], asked["tool_calls"][0]["id"]);
  EXPECT_EQ(result["content"], R"({"status":"shipped"})");
  EXPECT_EQ(metric(R"(parley_tool_calls_total{tool="lookup_order",outcome="ok"})"), 1);
  EXPECT_EQ(parley->output().find(tool_key), std::string::npos);
}

// The same over Anthropic's Messages API: tool_use blocks streamed in pieces, the result a
// tool_result block of the next user message.
TEST_F(Tools, AnthropicToolUse) {
  tool_server server(io.context());
  start(quick({"Let me check that. [[tool lookup_order {\"order\":\"42\"}]]", "Your order says {tool}."}),
        {"--agent.greeting=\"\"", "--llm.provider=anthropic", write_tools_file("lookup_order", server)});
  voipbin->place_call({{"where is my order"}});
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 1 && voipbin->live_speakings() == 0; }))
      << parley->output();
  EXPECT_EQ(said(),
            (std::vector<std::string>{"Let me check that.", R"(Your order says {"status":"shipped"}.)"}))
      << parley->output();
  ASSERT_EQ(server.received().size(), 1u);
  ASSERT_EQ(llm->requests().size(), 2u);
  auto first = json::parse(llm->requests()[0]);
  EXPECT_EQ(first["tools"][0]["name"], "lookup_order");
  EXPECT_EQ(first["tools"][0]["input_schema"]["type"], "object");
  auto messages = model_messages(1);
  ASSERT_GE(messages.size(), 2u);
  auto& use = messages[messages.size() - 2];
  auto& result = messages.back();
  EXPECT_EQ(use["role"], "assistant");
  ASSERT_EQ(use["content"].size(), 2u);
  EXPECT_EQ(use["content"][1]["type"], "tool_use");
  EXPECT_EQ(use["content"][1]["input"], json({{"order", "42"}}));
  EXPECT_EQ(result["role"], "user");
  EXPECT_EQ(result["content"][0]["type"], "tool_result");
  EXPECT_EQ(result["content"][0]["tool_use_id"], use["content"][1]["id"]);
  EXPECT_EQ(result["content"][0]["content"], R"({"status":"shipped"})");
}

// A tool that does not answer within its timeout, then one that answers 503: each time the
// model is given an error result and goes on; the turn does not fail.
TEST_F(Tools, ATimeoutOrAnErrorAnswerIsAnErrorResult) {
  tool_server server(io.context());
  server.hold_next(1);
  server.answer(503, "try later");
  start(quick({"[[tool lookup_order {\"order\":\"42\"}]]", "Sorry, {tool}",
               "[[tool lookup_order {\"order\":\"43\"}]]", "Again, {tool}"}),
        {"--agent.greeting=\"\"", write_tools_file("lookup_order", server, 0.5)});
  voipbin->place_call({{"where is my order", "try again"}});
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 1 && voipbin->live_speakings() == 0; }))
      << parley->output();
  auto all = said_text();
  EXPECT_NE(all.find("Sorry, error: the tool failed: timeout"), std::string::npos) << all;
  EXPECT_NE(all.find("Again, error: the tool answered HTTP 503: try later"), std::string::npos) << all;
  EXPECT_EQ(server.received().size(), 2u);
  EXPECT_EQ(metric(R"(parley_tool_calls_total{tool="lookup_order",outcome="error"})"), 2);
  EXPECT_EQ(metric("parley_llm_errors_total"), 0);
  // The results were given as errors.
  auto messages = model_messages(3);
  ASSERT_FALSE(messages.empty());
  EXPECT_EQ(messages.back()["role"], "tool");
}

// The caller speaks over the agent while its tool runs: the tool is cancelled, its result (which
// comes later) is never given to the model nor spoken, and the model's next request shows what the caller
// heard and that the call was cancelled, before the caller's new words.
TEST_F(Tools, ABargeInCancelsTheToolCall) {
  tool_server server(io.context());
  server.hold_next(1);
  start(quick({"Let me check that for you, it will take a moment. [[tool lookup_order {\"order\":\"42\"}]]",
               "It says {tool}.", "Okay, never mind then."}),
        {"--agent.greeting=\"\"", write_tools_file("lookup_order", server)}, std::chrono::milliseconds(300),
        PARLEY_BINARY, [](sim::voipbin_sim_options& vo) { vo.playout_chars_per_second = 15; });
  voipbin->place_call(sim::scripted_call(std::vector<sim::caller_turn>{
      sim::caller_turn("where is my order"),
      sim::caller_turn("actually never mind", std::chrono::milliseconds(1200))}));
  // The caller's new words were answered; now the tool's answer comes, too late.
  ASSERT_TRUE(eventually([&] { return llm->requests().size() == 2; })) << parley->output();
  server.release();
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 1 && voipbin->live_speakings() == 0; }))
      << parley->output();
  auto texts = said();
  EXPECT_EQ(texts.back(), "Okay, never mind then.") << parley->output();
  for (const auto& t : texts) EXPECT_EQ(t.find("It says"), std::string::npos) << t;
  ASSERT_EQ(llm->requests().size(), 2u) << parley->output();
  auto messages = model_messages(1);
  ASSERT_GE(messages.size(), 3u);
  auto& asked = messages[messages.size() - 3];
  auto& result = messages[messages.size() - 2];
  EXPECT_EQ(asked["tool_calls"].size(), 1u);
  EXPECT_NE(asked["content"].get<std::string>().find("[interrupted by the caller]"), std::string::npos)
      << asked.dump();
  EXPECT_EQ(result["role"], "tool");
  EXPECT_EQ(result["content"].get<std::string>().rfind("cancelled: the caller interrupted", 0), 0u)
      << result.dump();
  EXPECT_EQ(messages.back()["content"], "actually never mind");
  EXPECT_EQ(metric(R"(parley_tool_calls_total{tool="lookup_order",outcome="cancelled"})"), 1);
}

// Arguments that are not a JSON object: the tool is not called, and the model is told so.
TEST_F(Tools, MalformedArgumentsAreAnErrorResult) {
  tool_server server(io.context());
  start(quick({R"([[tool lookup_order "{\"order\": 4"]])", "Sorry, {tool}"}),
        {"--agent.greeting=\"\"", write_tools_file("lookup_order", server)});
  voipbin->place_call({{"where is my order"}});
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 1 && voipbin->live_speakings() == 0; }))
      << parley->output();
  EXPECT_TRUE(server.received().empty());
  EXPECT_EQ(said_text(), "Sorry, error: the arguments are not a JSON object; nothing was sent")
      << parley->output();
  auto messages = model_messages(1);
  ASSERT_FALSE(messages.empty());
  EXPECT_EQ(messages[messages.size() - 2]["tool_calls"][0]["function"]["arguments"], "{\"order\": 4");
}

// A model that keeps calling tools: a turn runs agent.max-tool-calls of them, the model is told
// the rest were not run, and when it calls yet again the turn ends with the error prompt.
TEST_F(Tools, ATurnRunsAtMostMaxToolCalls) {
  tool_server server(io.context());
  start(quick({"[[tool lookup_order {\"order\":\"1\"}]]"}),
        {"--agent.greeting=\"\"", "--agent.error-prompt=\"Sorry, say again?\"", "--agent.max-tool-calls=2",
         write_tools_file("lookup_order", server)});
  voipbin->place_call({{"where is my order"}});
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 1 && voipbin->live_speakings() == 0; }))
      << parley->output();
  EXPECT_EQ(server.received().size(), 2u);
  EXPECT_EQ(llm->requests().size(), 3u);
  EXPECT_EQ(said(), (std::vector<std::string>{"Sorry, say again?"})) << parley->output();
  EXPECT_EQ(metric(R"(parley_tool_calls_total{tool="lookup_order",outcome="ok"})"), 2);
  EXPECT_EQ(metric(R"(parley_tool_calls_total{tool="lookup_order",outcome="refused"})"), 1);
}

// One reply calls more tools than the turn may run: the first ones run, the rest are not run and
// the model is told why.
TEST_F(Tools, CallsOverTheBoundInOneReplyAreNotRun) {
  tool_server server(io.context());
  start(
      quick(
          {R"([[tool lookup_order {"order":"1"}]] [[tool lookup_order {"order":"2"}]] [[tool lookup_order {"order":"3"}]])",
           "Done: {tool}"}),
      {"--agent.greeting=\"\"", "--agent.max-tool-calls=2", write_tools_file("lookup_order", server)});
  voipbin->place_call({{"check three orders"}});
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 1 && voipbin->live_speakings() == 0; }))
      << parley->output();
  ASSERT_EQ(server.received().size(), 2u);
  EXPECT_EQ(json::parse(server.received()[1].body)["arguments"]["order"], "2");
  EXPECT_EQ(said_text().rfind("Done: not run: this turn already ran 2 tools (agent.max-tool-calls)", 0), 0u)
      << said_text();
  auto messages = model_messages(1);
  ASSERT_GE(messages.size(), 4u);
  EXPECT_EQ(messages[messages.size() - 4]["tool_calls"].size(), 3u);
  EXPECT_EQ(metric(R"(parley_tool_calls_total{tool="lookup_order",outcome="refused"})"), 1);
}

// A model that keeps calling a tool that does not exist is stopped by the same bound.
TEST_F(Tools, AModelRepeatingAnUnknownToolIsStopped) {
  start(quick({"[[tool no_such_tool]]"}),
        {"--agent.greeting=\"\"", "--agent.error-prompt=\"Sorry, say again?\"", "--agent.max-tool-calls=2",
         "--agent.tools=end_call"});
  voipbin->place_call({{"do something"}});
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 1 && voipbin->live_speakings() == 0; }))
      << parley->output();
  EXPECT_EQ(llm->requests().size(), 3u);
  EXPECT_EQ(said(), (std::vector<std::string>{"Sorry, say again?"})) << parley->output();
  EXPECT_EQ(metric(R"(parley_tool_calls_total{tool="unknown",outcome="refused"})"), 3);
}

// end_call: the model's goodbye is said and played to its end, then parley hangs up the call
// (the caller would have stayed on the line for minutes).
TEST_F(Tools, EndCallSaysGoodbyeThenHangsUp) {
  start(quick({"Goodbye, and have a lovely evening. [[tool end_call]]"}),
        {"--agent.greeting=\"\"", "--agent.tools=end_call"}, std::chrono::milliseconds(300), PARLEY_BINARY,
        [](sim::voipbin_sim_options& vo) { vo.playout_chars_per_second = 40; });
  auto call = voipbin->place_call(lingering_call("that is all, bye"));
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 1 && voipbin->live_speakings() == 0; }))
      << parley->output();
  auto hangups = only(voipbin->requests(), "/hangup");
  ASSERT_EQ(hangups.size(), 1u) << parley->output();
  EXPECT_EQ(hangups[0].path, "/calls/" + call + "/hangup");
  auto heard = voipbin->heard(call);
  ASSERT_EQ(heard.size(), 1u);
  EXPECT_EQ(heard[0].text, "Goodbye, and have a lovely evening.");
  EXPECT_FALSE(heard[0].cut) << "hung up before the goodbye had played";
  EXPECT_EQ(metric(R"(parley_tool_calls_total{tool="end_call",outcome="ok"})"), 1);
}

// end_call with nothing said: the caller hears agent.goodbye before the hangup.
TEST_F(Tools, EndCallWithoutWordsSaysTheConfiguredGoodbye) {
  start(quick({"[[tool end_call]]"}),
        {"--agent.greeting=\"\"", "--agent.tools=end_call", "--agent.goodbye=\"Bye now.\""});
  auto call = voipbin->place_call(lingering_call("that is all, bye"));
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 1 && voipbin->live_speakings() == 0; }))
      << parley->output();
  EXPECT_EQ(said(), (std::vector<std::string>{"Bye now."}));
  EXPECT_EQ(only(voipbin->requests(), "/hangup").size(), 1u) << parley->output();
}

// A tool that is not enabled is not run: the model is told so and goes on.
TEST_F(Tools, AToolNotEnabledIsRefused) {
  start(quick({"[[tool transfer_call]]", "I cannot do that: {tool}"}),
        {"--agent.greeting=\"\"", "--agent.tools=end_call"});
  voipbin->place_call({{"get me a person please"}});
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 1 && voipbin->live_speakings() == 0; }))
      << parley->output();
  EXPECT_EQ(said_text(), "I cannot do that: error: there is no tool named 'transfer_call'")
      << parley->output();
  EXPECT_TRUE(only(voipbin->requests(), "/transfers").empty());
  // Only the enabled tool was offered.
  auto offered = json::parse(llm->requests()[0])["tools"];
  ASSERT_EQ(offered.size(), 1u);
  EXPECT_EQ(offered[0]["function"]["name"], "end_call");
  EXPECT_EQ(metric(R"(parley_tool_calls_total{tool="unknown",outcome="refused"})"), 1);
}

// transfer_call on a call that sits in a confbridge: the caller hears the transfer message to
// its end, then POST /transfers names the call and the address; VoIPBIN hangs the call up and
// parley stops its sessions (no speaking left active).
TEST_F(Tools, TransferCallSaysTheMessageThenTransfers) {
  start(quick({"Of course. [[tool transfer_call]]"}),
        {"--agent.greeting=\"\"", "--agent.tools=transfer_call", "--agent.transfer-to=tel:+15551234567",
         "--agent.transfer-message=\"Please hold while I transfer you.\""},
        std::chrono::milliseconds(300), PARLEY_BINARY,
        [](sim::voipbin_sim_options& vo) { vo.playout_chars_per_second = 40; });
  auto script = lingering_call("a person please");
  script.confbridge = true;
  auto call = voipbin->place_call(script);
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 1 && voipbin->live_speakings() == 0; }))
      << parley->output();
  auto transfers = only(voipbin->requests(), "/transfers");
  ASSERT_EQ(transfers.size(), 1u) << parley->output();
  EXPECT_EQ(transfers[0].status, 200);
  EXPECT_EQ(json::parse(transfers[0].body),
            json({{"transfer_type", "blind"},
                  {"transferer_call_id", call},
                  {"transferee_addresses", json::array({{{"type", "tel"}, {"target", "+15551234567"}}})}}));
  auto heard = voipbin->heard(call);
  ASSERT_FALSE(heard.empty());
  EXPECT_EQ(heard.back().text, "Please hold while I transfer you.");
  EXPECT_FALSE(heard.back().cut) << "transferred before the message had played";
  EXPECT_TRUE(only(voipbin->requests(), "/hangup").empty());  // VoIPBIN hung it up, not parley
  EXPECT_EQ(metric(R"(parley_tool_calls_total{tool="transfer_call",outcome="ok"})"), 1);
}

// A call in no confbridge: VoIPBIN refuses the transfer (a bare 500), the model is told and
// tells the caller, who stays on the line.
TEST_F(Tools, ARefusedTransferIsToldToTheCaller) {
  start(quick({"[[tool transfer_call]]", "I could not transfer you: {tool}"}),
        {"--agent.greeting=\"\"", "--agent.tools=transfer_call", "--agent.transfer-to=sip:desk@example.com",
         "--agent.transfer-message=\"One moment.\""});
  auto call = voipbin->place_call({{"a person please"}});
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 1 && voipbin->live_speakings() == 0; }))
      << parley->output();
  auto transfers = only(voipbin->requests(), "/transfers");
  ASSERT_EQ(transfers.size(), 1u);
  EXPECT_EQ(transfers[0].status, 500);
  EXPECT_EQ(json::parse(transfers[0].body)["transferee_addresses"][0],
            json({{"type", "sip"}, {"target", "desk@example.com"}}));
  auto all = said_text();
  EXPECT_EQ(
      all.rfind("One moment. I could not transfer you: error: the transfer failed (VoIPBIN answered 500)", 0),
      0u)
      << all;
  EXPECT_EQ(metric(R"(parley_tool_calls_total{tool="transfer_call",outcome="error"})"), 1);
}
