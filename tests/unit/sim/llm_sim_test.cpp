// llm-sim's Anthropic endpoint on its own, over a real loopback socket with parley's HTTP
// client: what it refuses, as the real API does, and what it streams.

#include <gtest/gtest.h>

#include <future>
#include <nlohmann/json.hpp>

#include "net/http_client.hpp"
#include "net/io_runtime.hpp"
#include "net/tls_context.hpp"
#include "protocol/anthropic_codec.hpp"
#include "protocol/sse_parser.hpp"
#include "protocol/url.hpp"
#include "sim/llm_sim.hpp"

using namespace parley;
using nlohmann::json;

namespace {

class LlmSimAnthropic : public ::testing::Test {
 protected:
  void SetUp() override {
    sim::llm_sim_options o;
    o.replies = {"You said: {user} Bye."};
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
    llm->stop();
    io.stop();
  }

  // POSTs `body` to /v1/messages; the whole answer, streamed or not.
  net::http_response post(const json& body, net::http_headers headers = {
                                                {"x-api-key", "k-1"}, {"anthropic-version", "2023-06-01"}}) {
    net::http_request req;
    req.method = "POST";
    req.target = parse_url("http://127.0.0.1:" + std::to_string(port) + "/v1/messages").value();
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

  static json request(json messages, bool stream = false) {
    return {{"model", "m"}, {"max_tokens", 50}, {"messages", std::move(messages)}, {"stream", stream}};
  }

  net::io_runtime io{1};
  std::unique_ptr<sim::llm_sim> llm;
  std::unique_ptr<net::http_client> http;
  uint16_t port = 0;
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
