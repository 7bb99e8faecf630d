// llm-sim's Anthropic endpoint on its own, over a real loopback socket with parley's HTTP
// client: what it refuses, as the real API does, and what it streams.

#include <gtest/gtest.h>

#include <future>
#include <nlohmann/json.hpp>
#include <set>

#include "net/http_client.hpp"
#include "net/io_runtime.hpp"
#include "net/tls_context.hpp"
#include "protocol/anthropic_codec.hpp"
#include "protocol/openai_codec.hpp"
#include "protocol/sse_parser.hpp"
#include "protocol/url.hpp"
#include "sim/llm_sim.hpp"

using namespace parley;
using nlohmann::json;

namespace {

// A sim on a loopback port and parley's HTTP client to talk to it.
class LlmSimFixture : public ::testing::Test {
 protected:
  void start(std::vector<std::string> replies) {
    sim::llm_sim_options o;
    o.replies = std::move(replies);
    o.first_token_delay = std::chrono::milliseconds(5);
    o.token_delay = std::chrono::milliseconds(1);
    o.api_key = "k-1";
    llm = std::make_unique<sim::llm_sim>(io.context(), o);
    auto p = llm->start("127.0.0.1", 0);
    ASSERT_TRUE(p) << p.error().message;
    port = *p;
    http = std::make_unique<net::http_client>(io.context(), net::make_client_tls_context({}).value());
    io.start();
  }
  void TearDown() override {
    if (llm) llm->stop();
    io.stop();
  }

  // POSTs `body` to `path`; the whole answer, streamed or not.
  net::http_response post_to(const std::string& path, const json& body, net::http_headers headers) {
    net::http_request req;
    req.method = "POST";
    req.target = parse_url("http://127.0.0.1:" + std::to_string(port) + path).value();
    req.headers = std::move(headers);
    req.body = body.dump();
    std::promise<net::http_outcome> done;
    std::string streamed;
    http->stream(
        req, [&streamed](std::string_view bytes) { streamed += bytes; },
        [&done](net::http_outcome o) { done.set_value(std::move(o)); });
    auto f = done.get_future();
    EXPECT_EQ(f.wait_for(std::chrono::seconds(30)), std::future_status::ready);
    auto out = f.get();
    EXPECT_TRUE(out.ok()) << out.error_text;
    if (out.response.status / 100 == 2) out.response.body = streamed;
    return out.response;
  }

  net::io_runtime io{1};
  std::unique_ptr<sim::llm_sim> llm;
  std::unique_ptr<net::http_client> http;
  uint16_t port = 0;
};

class LlmSimAnthropic : public LlmSimFixture {
 protected:
  void SetUp() override { start({"You said: {user} Bye."}); }

  // POSTs `body` to /v1/messages.
  net::http_response post(const json& body, net::http_headers headers = {
                                                {"x-api-key", "k-1"}, {"anthropic-version", "2023-06-01"}}) {
    return post_to("/v1/messages", body, std::move(headers));
  }

  static json request(json messages, bool stream = false) {
    return {{"model", "m"}, {"max_tokens", 50}, {"messages", std::move(messages)}, {"stream", stream}};
  }
};

const json hello = json::array({{{"role", "user"}, {"content", "hi"}}});

std::string error_of(const net::http_response& r) {
  return anthropic::parse_error_message(r.body).value_or("<no error body>");
}

}  // namespace

TEST_F(LlmSimAnthropic, RefusesWhatTheRealApiRefuses) {
  auto no_key = post(request(hello), {{"anthropic-version", "2023-06-01"}});
  EXPECT_EQ(no_key.status, 401);
  EXPECT_EQ(error_of(no_key), "authentication_error: invalid x-api-key");
  auto no_version = post(request(hello), {{"x-api-key", "k-1"}});
  EXPECT_EQ(no_version.status, 400);
  EXPECT_EQ(error_of(no_version), "invalid_request_error: anthropic-version: header is required");
  auto system_role = post(
      request(json::array({{{"role", "system"}, {"content", "x"}}, {{"role", "user"}, {"content", "hi"}}})));
  EXPECT_EQ(system_role.status, 400);
  EXPECT_NE(error_of(system_role).find("Unexpected role \"system\""), std::string::npos);
  auto assistant_first = post(request(
      json::array({{{"role", "assistant"}, {"content", "Hello."}}, {{"role", "user"}, {"content", "hi"}}})));
  EXPECT_EQ(assistant_first.status, 400);
  EXPECT_NE(error_of(assistant_first).find("first message"), std::string::npos);
  auto body = request(hello);
  body.erase("max_tokens");
  EXPECT_EQ(post(body).status, 400);
  EXPECT_TRUE(llm->requests().empty());  // only accepted requests are recorded
}

TEST_F(LlmSimAnthropic, AnswersStreamedOrWholeAndRecordsHeaders) {
  auto whole = post(request(hello));
  ASSERT_EQ(whole.status, 200);
  EXPECT_EQ(anthropic::parse_message(whole.body).value(), "You said: hi Bye.");

  auto streamed = post(request(hello, true));
  ASSERT_EQ(streamed.status, 200);
  sse_parser sse;
  std::string text;
  std::vector<std::string> kinds;
  bool done = false;
  for (const auto& ev : sse.feed(streamed.body)) {
    kinds.push_back(ev.event);
    auto d = anthropic::parse_stream_event(ev.event, ev.data);
    ASSERT_TRUE(d) << d.error().message;
    text += d->text;
    done = done || d->done;
  }
  EXPECT_EQ(text, "You said: hi Bye.");
  EXPECT_TRUE(done);
  ASSERT_GE(kinds.size(), 7u);
  EXPECT_EQ(kinds.front(), "message_start");
  EXPECT_EQ(kinds.back(), "message_stop");

  auto received = llm->received();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[1].path, "/v1/messages");
  EXPECT_EQ(received[1].headers.at("x-api-key"), "k-1");
  EXPECT_EQ(received[1].headers.at("anthropic-version"), "2023-06-01");
}

TEST_F(LlmSimAnthropic, FaultsComeInAnthropicsFormat) {
  llm->fail_next(sim::llm_fault::http_500);
  auto failed = post(request(hello, true));
  EXPECT_EQ(failed.status, 500);
  EXPECT_EQ(error_of(failed), "api_error: the model is overloaded");

  llm->fail_next(sim::llm_fault::error_event);
  auto broken = post(request(hello, true));
  ASSERT_EQ(broken.status, 200);
  sse_parser sse;
  std::string failure;
  for (const auto& ev : sse.feed(broken.body))
    if (auto d = anthropic::parse_stream_event(ev.event, ev.data); !d) failure = d.error().message;
  EXPECT_EQ(failure, "LLM error in stream: overloaded_error: Overloaded");
}

namespace {

// Replies that call tools: the first caller turn calls lookup_order, its continuation answers
// with the result, the next caller turn calls two tools without a word.
class LlmSimTools : public LlmSimFixture {
 protected:
  void SetUp() override {
    start({R"(Let me look. [[tool lookup_order {"id": 42}]])", "It {tool}. You asked: {user}",
           R"([[tool a]] [[tool b {"x": [[1]]}]])"});
  }

  net::http_response openai(const json& messages, bool stream = false) {
    return post_to("/v1/chat/completions", {{"model", "m"}, {"messages", messages}, {"stream", stream}},
                   {{"Authorization", "Bearer k-1"}});
  }
  net::http_response anthropic(const json& messages, bool stream = false, bool tools = true) {
    json body{{"model", "m"}, {"max_tokens", 50}, {"messages", messages}, {"stream", stream}};
    if (tools) body["tools"] = lookup_tool();
    return anthropic_body(body);
  }
  net::http_response anthropic_body(const json& body) {
    return post_to("/v1/messages", body, {{"x-api-key", "k-1"}, {"anthropic-version", "2023-06-01"}});
  }
  static json lookup_tool() {
    return json::array({{{"name", "lookup_order"}, {"input_schema", {{"type", "object"}}}}});
  }
};

const json where = json::array({{{"role", "user"}, {"content", "where is my order"}}});

std::string openai_error(const net::http_response& r) {
  return openai::parse_error_message(r.body).value_or("<no error body>");
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_F(LlmSimTools, OpenAiStreamsAToolCallInPieces) {
  auto r = openai(where, true);
  ASSERT_EQ(r.status, 200);
  sse_parser sse;
  std::string text, finish;
  std::vector<tool_call_delta> pieces;
  bool done = false;
  for (const auto& ev : sse.feed(r.body)) {
    if (ev.data != "[DONE]")
      if (auto f = json::parse(ev.data)["choices"][0]["finish_reason"]; f.is_string())
        finish = f.get<std::string>();
    auto d = openai::parse_stream_data(ev.data);
    ASSERT_TRUE(d) << d.error().message;
    EXPECT_TRUE(d->text.empty() || d->tool_calls.empty());  // the words come before the calls
    text += d->text;
    pieces.insert(pieces.end(), d->tool_calls.begin(), d->tool_calls.end());
    done = done || d->done;
  }
  EXPECT_EQ(text, "Let me look.");
  EXPECT_TRUE(done);
  EXPECT_EQ(finish, "tool_calls");
  ASSERT_GE(pieces.size(), 3u);  // the call, then its arguments in at least two pieces
  EXPECT_EQ(pieces[0].index, 0u);
  EXPECT_EQ(pieces[0].id.rfind("call_", 0), 0u) << pieces[0].id;
  EXPECT_EQ(pieces[0].name, "lookup_order");
  EXPECT_EQ(pieces[0].arguments, "");
  std::string arguments;
  for (std::size_t i = 1; i < pieces.size(); ++i) {
    EXPECT_EQ(pieces[i].index, 0u);
    EXPECT_EQ(pieces[i].id, "");
    EXPECT_NE(pieces[i].arguments, "");
    arguments += pieces[i].arguments;
  }
  EXPECT_EQ(json::parse(arguments), json({{"id", 42}}));
}

TEST_F(LlmSimTools, AnthropicStreamsAToolUseBlockInPieces) {
  auto r = anthropic(where, true);
  ASSERT_EQ(r.status, 200);
  sse_parser sse;
  std::string text, stop_reason;
  std::vector<tool_call_delta> pieces;
  std::vector<std::string> kinds;
  bool done = false;
  for (const auto& ev : sse.feed(r.body)) {
    kinds.push_back(ev.event);
    if (ev.event == "message_delta")
      stop_reason = json::parse(ev.data)["delta"]["stop_reason"].get<std::string>();
    auto d = anthropic::parse_stream_event(ev.event, ev.data);
    ASSERT_TRUE(d) << d.error().message;
    text += d->text;
    pieces.insert(pieces.end(), d->tool_calls.begin(), d->tool_calls.end());
    done = done || d->done;
  }
  EXPECT_EQ(text, "Let me look.");
  EXPECT_TRUE(done);
  EXPECT_EQ(stop_reason, "tool_use");
  ASSERT_GE(pieces.size(), 3u);
  EXPECT_EQ(pieces[0].index, 1u);  // block 0 is the text
  EXPECT_EQ(pieces[0].id.rfind("toolu_", 0), 0u) << pieces[0].id;
  EXPECT_EQ(pieces[0].name, "lookup_order");
  EXPECT_EQ(pieces[0].arguments, "");
  std::string arguments;
  for (std::size_t i = 1; i < pieces.size(); ++i) {
    EXPECT_EQ(pieces[i].index, 1u);
    EXPECT_NE(pieces[i].arguments, "");
    arguments += pieces[i].arguments;
  }
  EXPECT_EQ(json::parse(arguments), json({{"id", 42}}));
  // The text block ends before the tool block starts; the tool block ends before the message.
  std::vector<std::string> tail(kinds.end() - static_cast<std::ptrdiff_t>(pieces.size()) - 4, kinds.end());
  EXPECT_EQ(tail.front(), "content_block_stop");
  EXPECT_EQ(tail[1], "content_block_start");
  EXPECT_EQ(tail[tail.size() - 3], "content_block_stop");
  EXPECT_EQ(tail[tail.size() - 2], "message_delta");
  EXPECT_EQ(tail.back(), "message_stop");
}

TEST_F(LlmSimTools, OpenAiContinuationGetsTheNextReplyAndTheToolResult) {
  auto first = openai(where);
  ASSERT_EQ(first.status, 200);
  auto choice = json::parse(first.body)["choices"][0];
  EXPECT_EQ(choice["finish_reason"], "tool_calls");
  EXPECT_EQ(choice["message"]["content"], "Let me look.");
  ASSERT_EQ(choice["message"]["tool_calls"].size(), 1u);
  auto call = choice["message"]["tool_calls"][0];
  EXPECT_EQ(call["function"]["name"], "lookup_order");
  EXPECT_EQ(json::parse(call["function"]["arguments"].get<std::string>()), json({{"id", 42}}));

  auto messages = where;
  messages.push_back(choice["message"]);
  messages.push_back({{"role", "tool"}, {"tool_call_id", call["id"]}, {"content", "shipped"}});
  auto next = openai(messages);
  ASSERT_EQ(next.status, 200) << next.body;
  EXPECT_EQ(openai::parse_completion(next.body).value(), "It shipped. You asked: where is my order");

  // The caller's next turn is the third: two calls, no words, ids never given before.
  messages.push_back({{"role", "assistant"}, {"content", "It shipped."}});
  messages.push_back({{"role", "user"}, {"content", "and the other one?"}});
  auto third = openai(messages);
  ASSERT_EQ(third.status, 200);
  auto message = json::parse(third.body)["choices"][0]["message"];
  EXPECT_TRUE(message["content"].is_null());
  ASSERT_EQ(message["tool_calls"].size(), 2u);
  EXPECT_EQ(message["tool_calls"][0]["function"]["name"], "a");
  EXPECT_EQ(json::parse(message["tool_calls"][0]["function"]["arguments"].get<std::string>()),
            json::object());
  EXPECT_EQ(message["tool_calls"][1]["function"]["name"], "b");
  EXPECT_EQ(json::parse(message["tool_calls"][1]["function"]["arguments"].get<std::string>()),
            json::parse(R"({"x":[[1]]})"));
  std::set<std::string> ids{call["id"].get<std::string>(), message["tool_calls"][0]["id"].get<std::string>(),
                            message["tool_calls"][1]["id"].get<std::string>()};
  EXPECT_EQ(ids.size(), 3u);
}

TEST_F(LlmSimTools, AnthropicContinuationGetsTheNextReplyAndTheToolResult) {
  auto first = anthropic(where);
  ASSERT_EQ(first.status, 200) << first.body;
  auto reply = json::parse(first.body);
  EXPECT_EQ(reply["stop_reason"], "tool_use");
  ASSERT_EQ(reply["content"].size(), 2u);
  EXPECT_EQ(reply["content"][0], json({{"type", "text"}, {"text", "Let me look."}}));
  auto use = reply["content"][1];
  EXPECT_EQ(use["type"], "tool_use");
  EXPECT_EQ(use["name"], "lookup_order");
  EXPECT_EQ(use["input"], json({{"id", 42}}));
  EXPECT_EQ(use["id"].get<std::string>().rfind("toolu_", 0), 0u);

  // What parley's codec makes of the conversation so far is what the sim accepts.
  chat_message called{"assistant", "Let me look."};
  called.tool_calls = {{use["id"].get<std::string>(), "lookup_order", use["input"].dump()}};
  chat_message result{"tool", "shipped"};
  result.tool_call_id = use["id"].get<std::string>();
  anthropic::request_options o{
      "m", 50, -1, false, {{"lookup_order", "Finds an order.", R"({"type":"object"})"}}};
  auto next = anthropic_body(
      json::parse(anthropic::build_messages_request({{"user", "where is my order"}, called, result}, o)));
  ASSERT_EQ(next.status, 200) << next.body;
  EXPECT_EQ(anthropic::parse_message(next.body).value(), "It shipped. You asked: where is my order");
}

TEST_F(LlmSimTools, OpenAiRefusesMalformedToolHistories) {
  json calls{{"role", "assistant"},
             {"content", nullptr},
             {"tool_calls", json::array({{{"id", "call_9"},
                                          {"type", "function"},
                                          {"function", {{"name", "lookup_order"}, {"arguments", "{}"}}}}})}};
  auto answer = [](const char* id) { return json{{"role", "tool"}, {"tool_call_id", id}, {"content", "x"}}; };
  json hi{{"role", "user"}, {"content", "hi"}};
  auto unanswered = openai(json::array({hi, calls, hi}));
  EXPECT_EQ(unanswered.status, 400);
  EXPECT_TRUE(contains(openai_error(unanswered), "did not have response messages: call_9"))
      << openai_error(unanswered);
  auto last = openai(json::array({hi, calls}));
  EXPECT_EQ(last.status, 400);
  EXPECT_TRUE(contains(openai_error(last), "did not have response messages: call_9"));
  const std::string stray =
      "messages with role 'tool' must be a response to a preceding message with 'tool_calls'";
  auto no_call = openai(json::array({hi, answer("call_9")}));
  EXPECT_EQ(no_call.status, 400);
  EXPECT_TRUE(contains(openai_error(no_call), stray)) << openai_error(no_call);
  auto other_id = openai(json::array({hi, calls, answer("call_8")}));
  EXPECT_EQ(other_id.status, 400);
  EXPECT_TRUE(contains(openai_error(other_id), stray));
  auto twice = openai(json::array({hi, calls, answer("call_9"), answer("call_9")}));
  EXPECT_EQ(twice.status, 400);
  EXPECT_TRUE(contains(openai_error(twice), stray));
  EXPECT_TRUE(llm->requests().empty());
  EXPECT_EQ(openai(json::array({hi, calls, answer("call_9")})).status, 200);
}

TEST_F(LlmSimTools, AnthropicRefusesMalformedToolHistories) {
  json hi{{"role", "user"}, {"content", "hi"}};
  json use{{"role", "assistant"},
           {"content", json::array({{{"type", "tool_use"},
                                     {"id", "toolu_9"},
                                     {"name", "lookup_order"},
                                     {"input", json::object()}}})}};
  auto result = [](const char* id) {
    return json{{"type", "tool_result"}, {"tool_use_id", id}, {"content", "x"}};
  };
  auto answer = [&result](const char* id) {
    return json{{"role", "user"}, {"content", json::array({result(id)})}};
  };
  auto refused = [this](const json& messages, bool tools, const std::string& why) {
    auto r = anthropic(messages, false, tools);
    EXPECT_EQ(r.status, 400) << why;
    auto message = error_of(r);
    EXPECT_TRUE(contains(message, why)) << message;
  };
  refused(json::array({hi, hi}), true, "roles must alternate");
  refused(json::array({hi, use, answer("toolu_9")}), false, "must define tools");
  refused(json::array({hi, use, answer("toolu_8")}), true, "unexpected `tool_use_id`");
  refused(json::array({hi, use, hi}), true, "`tool_use` ids were found without `tool_result` blocks");
  refused(json::array({hi,
                       use,
                       {{"role", "user"},
                        {"content", json::array({{{"type", "text"}, {"text", "hm"}}, result("toolu_9")})}}}),
          true, "must come first");
  // A result answers a call of the message right before it only.
  refused(json::array(
              {hi, use, answer("toolu_9"), {{"role", "assistant"}, {"content", "ok"}}, answer("toolu_9")}),
          true, "unexpected `tool_use_id`");
  EXPECT_TRUE(llm->requests().empty());
  EXPECT_EQ(anthropic(json::array({hi, use, answer("toolu_9")})).status, 200);
}
