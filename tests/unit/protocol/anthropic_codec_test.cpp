#include "protocol/anthropic_codec.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "protocol/sse_parser.hpp"

using namespace parley;
using nlohmann::json;

TEST(AnthropicCodec, SystemIsTopLevelAndOnlyUserAndAssistantAreMessages) {
  chat_history h{{"system", "Be brief.", false},
                 {"user", "Hi", false},
                 {"assistant", "Hello!", false},
                 {"user", "Book a table.", false}};
  auto body = json::parse(anthropic::build_messages_request(h, {"claude-x", 100, 0.5, true, {}}));
  EXPECT_EQ(body["model"], "claude-x");
  EXPECT_EQ(body["stream"], true);
  EXPECT_EQ(body["max_tokens"], 100);
  EXPECT_DOUBLE_EQ(body["temperature"].get<double>(), 0.5);
  EXPECT_EQ(body["system"], "Be brief.");
  EXPECT_EQ(body["messages"], json::parse(R"([{"role":"user","content":"Hi"},
      {"role":"assistant","content":"Hello!"},{"role":"user","content":"Book a table."}])"));
}

TEST(AnthropicCodec, MaxTokensIsAlwaysSentAndTemperatureOnlyWhenSet) {
  chat_history h{{"user", "Hi", false}};
  auto body = json::parse(anthropic::build_messages_request(h, {"m", 0, -1, false, {}}));
  EXPECT_EQ(body["max_tokens"], anthropic::default_max_tokens);
  EXPECT_FALSE(body.contains("temperature"));
  EXPECT_FALSE(body.contains("system"));
  EXPECT_EQ(body["stream"], false);
  auto zero = json::parse(anthropic::build_messages_request(h, {"m", 0, 0, true, {}}));
  EXPECT_EQ(zero["temperature"], 0.0);
}

TEST(AnthropicCodec, TheGreetingBeforeTheCallerSpokeIsToldInSystem) {
  chat_history h{
      {"system", "Be brief.", false}, {"assistant", "Hello, how can I help?", false}, {"user", "Hi", false}};
  auto body = json::parse(anthropic::build_messages_request(h, {"m", 10, -1, true, {}}));
  EXPECT_EQ(body["system"], "Be brief.\n\nYou opened the call by saying: \"Hello, how can I help?\"");
  ASSERT_EQ(body["messages"].size(), 1u);
  EXPECT_EQ(body["messages"][0], json({{"role", "user"}, {"content", "Hi"}}));
  // Without a system prompt the opening is the whole system text.
  chat_history bare{{"assistant", "Hello.", false}, {"user", "Hi", false}};
  auto b = json::parse(anthropic::build_messages_request(bare, {"m", 10, -1, true, {}}));
  EXPECT_EQ(b["system"], "You opened the call by saying: \"Hello.\"");
}

TEST(AnthropicCodec, ConsecutiveTurnsOfOneRoleAreMerged) {
  chat_history h{{"system", "A.", false},   {"user", "one", false},  {"user", "two", false},
                 {"assistant", "x", false}, {"system", "B.", false}, {"assistant", "", false},
                 {"assistant", "y", true},  {"user", "three", false}};
  auto body = json::parse(anthropic::build_messages_request(h, {"m", 10, -1, true, {}}));
  EXPECT_EQ(body["system"], "A.\n\nB.");
  EXPECT_EQ(body["messages"], json::parse(R"([{"role":"user","content":"one\n\ntwo"},
      {"role":"assistant","content":"x\n\ny [interrupted by the caller]"},
      {"role":"user","content":"three"}])"));
}

TEST(AnthropicCodec, ParsesTheStreamEvents) {
  auto text = anthropic::parse_stream_event(
      "content_block_delta",
      R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hel"}})");
  ASSERT_TRUE(text);
  EXPECT_EQ(text->text, "Hel");
  EXPECT_FALSE(text->done);
  for (auto [name, data] : std::vector<std::pair<const char*, const char*>>{
           {"message_start",
            R"({"type":"message_start","message":{"id":"m","role":"assistant","content":[]}})"},
           {"content_block_start",
            R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})"},
           {"ping", R"({"type": "ping"})"},
           {"content_block_stop", R"({"type":"content_block_stop","index":0})"},
           {"message_delta",
            R"({"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":3}})"},
           {"some_future_event", R"({"type":"some_future_event"})"}}) {
    auto e = anthropic::parse_stream_event(name, data);
    ASSERT_TRUE(e) << name << ": " << e.error().message;
    EXPECT_EQ(e->text, "") << name;
    EXPECT_FALSE(e->done) << name;
  }
  auto stop = anthropic::parse_stream_event("message_stop", R"({"type":"message_stop"})");
  ASSERT_TRUE(stop);
  EXPECT_TRUE(stop->done);
  // The payload's type decides; the event name is the fallback.
  auto unnamed = anthropic::parse_stream_event("message_stop", "{}");
  ASSERT_TRUE(unnamed);
  EXPECT_TRUE(unnamed->done);
}

TEST(AnthropicCodec, ToolUseBlocksGiveToolCallPieces) {
  auto start = anthropic::parse_stream_event(
      "content_block_start",
      R"({"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"t1","name":"end_call","input":{}}})");
  ASSERT_TRUE(start);
  EXPECT_EQ(start->text, "");
  ASSERT_EQ(start->tool_calls.size(), 1u);
  EXPECT_EQ(start->tool_calls[0].index, 1u);
  EXPECT_EQ(start->tool_calls[0].id, "t1");
  EXPECT_EQ(start->tool_calls[0].name, "end_call");
  EXPECT_EQ(start->tool_calls[0].arguments, "");
  auto json_delta = anthropic::parse_stream_event(
      "content_block_delta",
      R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"reason\": \"do"}})");
  ASSERT_TRUE(json_delta);
  EXPECT_EQ(json_delta->text, "");
  EXPECT_FALSE(json_delta->done);
  ASSERT_EQ(json_delta->tool_calls.size(), 1u);
  EXPECT_EQ(json_delta->tool_calls[0].index, 1u);
  EXPECT_EQ(json_delta->tool_calls[0].id, "");
  EXPECT_EQ(json_delta->tool_calls[0].name, "");
  EXPECT_EQ(json_delta->tool_calls[0].arguments, "{\"reason\": \"do");
  // An input given whole at the start is its arguments.
  auto whole = anthropic::parse_stream_event(
      "content_block_start",
      R"({"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"t2","name":"x","input":{"a":1}}})");
  ASSERT_TRUE(whole);
  ASSERT_EQ(whole->tool_calls.size(), 1u);
  EXPECT_EQ(whole->tool_calls[0].index, 2u);
  EXPECT_EQ(json::parse(whole->tool_calls[0].arguments), json({{"a", 1}}));
  // Text blocks give no tool calls.
  auto text = anthropic::parse_stream_event(
      "content_block_start",
      R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})");
  ASSERT_TRUE(text);
  EXPECT_TRUE(text->tool_calls.empty());
  EXPECT_FALSE(anthropic::parse_stream_event(
      "content_block_delta",
      R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":7}})"));
}

namespace {

std::vector<tool_definition> order_tools() {
  return {{"lookup_order", "Finds an order.", R"({"type":"object","properties":{"id":{"type":"integer"}}})"},
          {"get_time", "The time.", "{not json"}};
}

// The agent greets, the caller asks, the agent calls two tools; while they run the caller
// speaks again; both answer (the first failing), the agent says, the caller thanks.
chat_history order_history() {
  chat_message calls{"assistant", "Let me check."};
  calls.tool_calls = {{"call_1", "lookup_order", R"({"id":42})"}, {"call_2", "get_time", "{oops"}};
  chat_message late{"tool", "noon"};
  late.tool_call_id = "call_2";
  chat_message failed{"tool", "timeout"};
  failed.tool_call_id = "call_1";
  failed.tool_error = true;
  return {{"system", "Be brief."},
          {"assistant", "Hello."},
          {"user", "Where is 42?"},
          calls,
          late,
          {"user", "Hello?"},
          failed,
          {"assistant", "It shipped at noon."},
          {"user", "Thanks."}};
}

}  // namespace

TEST(AnthropicCodec, OffersToolsWithTheirInputSchema) {
  anthropic::request_options o{"m", 10, -1, true, order_tools()};
  auto body = json::parse(anthropic::build_messages_request({{"user", "Hi"}}, o));
  EXPECT_EQ(body["tools"], json::parse(R"([
      {"name":"lookup_order","description":"Finds an order.",
       "input_schema":{"type":"object","properties":{"id":{"type":"integer"}}}},
      {"name":"get_time","description":"The time.","input_schema":{"type":"object","properties":{}}}])"));
  o.tools.clear();
  EXPECT_FALSE(json::parse(anthropic::build_messages_request({{"user", "Hi"}}, o)).contains("tools"));
}

TEST(AnthropicCodec, ToolCallsAreToolUseBlocksAndResultsComeFirstInTheNextUserMessage) {
  auto body =
      json::parse(anthropic::build_messages_request(order_history(), {"m", 10, -1, true, order_tools()}));
  EXPECT_EQ(body["system"], "Be brief.\n\nYou opened the call by saying: \"Hello.\"");
  EXPECT_EQ(body["messages"], json::parse(R"([
      {"role":"user","content":"Where is 42?"},
      {"role":"assistant","content":[{"type":"text","text":"Let me check."},
        {"type":"tool_use","id":"call_1","name":"lookup_order","input":{"id":42}},
        {"type":"tool_use","id":"call_2","name":"get_time","input":{}}]},
      {"role":"user","content":[{"type":"tool_result","tool_use_id":"call_2","content":"noon"},
        {"type":"tool_result","tool_use_id":"call_1","content":"timeout","is_error":true},
        {"type":"text","text":"Hello?"}]},
      {"role":"assistant","content":"It shipped at noon."},
      {"role":"user","content":"Thanks."}])"));
  // A call without words has no text block.
  auto h = order_history();
  h[3].content.clear();
  auto silent = json::parse(anthropic::build_messages_request(h, {"m", 10, -1, true, order_tools()}));
  EXPECT_EQ(silent["messages"][1]["content"][0]["type"], "tool_use");
}

TEST(AnthropicCodec, WithoutToolsCallsAndResultsAreToldAsText) {
  auto body = json::parse(anthropic::build_messages_request(order_history(), {"m", 10, -1, true, {}}));
  EXPECT_FALSE(body.contains("tools"));
  EXPECT_EQ(body["messages"], json::parse(R"([
      {"role":"user","content":"Where is 42?"},
      {"role":"assistant","content":"Let me check. [called tool lookup_order with {\"id\":42}] [called tool get_time with {oops]"},
      {"role":"user","content":"[result of get_time: noon]\n\nHello?\n\n[lookup_order failed: timeout]"},
      {"role":"assistant","content":"It shipped at noon."},
      {"role":"user","content":"Thanks."}])"));
}

TEST(AnthropicCodec, CallsWithoutTheirResultsOrInTheOpeningAreToldAsText) {
  // The agent called a tool before the caller spoke (messages must start with the caller's),
  // and a later call's result never came.
  chat_message opening{"assistant", "Hello."};
  opening.tool_calls = {{"t0", "get_time", ""}};
  chat_message time{"tool", "noon"};
  time.tool_call_id = "t0";
  chat_message unanswered{"assistant", ""};
  unanswered.tool_calls = {{"t1", "lookup_order", R"({"id":1})"}};
  chat_history h{opening, time, {"user", "Hi"}, unanswered, {"user", "Still there?"}};
  auto body = json::parse(anthropic::build_messages_request(h, {"m", 10, -1, true, order_tools()}));
  EXPECT_EQ(body["system"], "You opened the call by saying: \"Hello. [called tool get_time with {}]\"");
  EXPECT_EQ(body["messages"], json::parse(R"([
      {"role":"user","content":"[result of get_time: noon]\n\nHi"},
      {"role":"assistant","content":"[called tool lookup_order with {\"id\":1}]"},
      {"role":"user","content":"Still there?"}])"));
}

TEST(AnthropicCodec, AnErrorEventFailsTheTurnWithItsMessage) {
  auto e = anthropic::parse_stream_event(
      "error", R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().message, "LLM error in stream: overloaded_error: Overloaded");
}

TEST(AnthropicCodec, RejectsMalformedEvents) {
  EXPECT_FALSE(anthropic::parse_stream_event("content_block_delta", "{\"type\": "));
  EXPECT_FALSE(anthropic::parse_stream_event("message_stop", "[1]"));
  EXPECT_FALSE(anthropic::parse_stream_event("content_block_delta", R"({"type":"content_block_delta"})"));
  EXPECT_FALSE(anthropic::parse_stream_event(
      "content_block_delta", R"({"type":"content_block_delta","delta":{"type":"text_delta","text":7}})"));
  // A type that is not a string never throws: the delta is simply not text.
  auto odd = anthropic::parse_stream_event("content_block_delta",
                                           R"({"type":"content_block_delta","delta":{"type":7}})");
  ASSERT_TRUE(odd);
  EXPECT_EQ(odd->text, "");
}

TEST(AnthropicCodec, ErrorBodiesAndMessages) {
  EXPECT_EQ(anthropic::parse_error_message(
                R"({"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}})"),
            "authentication_error: invalid x-api-key");
  EXPECT_EQ(anthropic::parse_error_message("<html>"), std::nullopt);
  EXPECT_EQ(anthropic::parse_error_message(R"({"type":"error"})"), std::nullopt);
  auto text = anthropic::parse_message(
      R"({"type":"message","role":"assistant","content":[{"type":"text","text":"Hi. "},{"type":"tool_use","id":"t","name":"x","input":{}},{"type":"text","text":"Bye."}]})");
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, "Hi. Bye.");
  EXPECT_FALSE(anthropic::parse_message(R"({"type":"message"})"));
}

namespace {

const std::string stream =
    "event: message_start\n"
    "data: "
    "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\","
    "\"content\":[],\"model\":\"m\",\"stop_reason\":null,\"usage\":{\"input_tokens\":9,\"output_tokens\":1}}}"
    "\n\n"
    "event: content_block_start\n"
    "data: "
    "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
    "event: ping\r\n"
    "data: {\"type\": \"ping\"}\r\n\r\n"
    "event: content_block_delta\n"
    "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Sure, "
    "\"}}\n\n"
    "event: content_block_delta\n"
    "data: "
    "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"caf\\u00e9 "
    "at 7.\"}}\n\n"
    "event: content_block_stop\n"
    "data: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
    "event: content_block_start\n"
    "data: "
    "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t\","
    "\"name\":\"end_call\",\"input\":{}}}\n\n"
    "event: content_block_delta\n"
    "data: "
    "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":"
    "\"{}\"}}\n\n"
    "event: content_block_stop\n"
    "data: {\"type\":\"content_block_stop\",\"index\":1}\n\n"
    "event: message_delta\n"
    "data: "
    "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},\"usage\":{\"output_tokens\":12}}"
    "\n\n"
    "event: message_stop\n"
    "data: {\"type\":\"message_stop\"}\n\n";

struct decoded {
  std::string text;
  int done = 0;
  bool failed = false;
};

// Feeds `pieces` through the SSE parser and the codec, as the brain does.
decoded decode(const std::vector<std::string_view>& pieces) {
  sse_parser sse;
  decoded out;
  for (auto piece : pieces)
    for (const auto& ev : sse.feed(piece)) {
      auto d = anthropic::parse_stream_event(ev.event, ev.data);
      if (!d) {
        out.failed = true;
        continue;
      }
      out.text += d->text;
      out.done += d->done;
    }
  out.failed = out.failed || sse.failed();
  return out;
}

}  // namespace

TEST(AnthropicCodec, AStreamSplitAnywhereGivesTheSameReply) {
  std::string_view all = stream;
  auto whole = decode({all});
  EXPECT_EQ(whole.text, "Sure, caf\xc3\xa9 at 7.");
  EXPECT_EQ(whole.done, 1);
  EXPECT_FALSE(whole.failed);
  for (std::size_t i = 0; i <= all.size(); ++i) {
    auto two = decode({all.substr(0, i), all.substr(i)});
    ASSERT_EQ(two.text, whole.text) << "split at " << i;
    ASSERT_EQ(two.done, 1) << "split at " << i;
    ASSERT_FALSE(two.failed) << "split at " << i;
  }
  for (std::size_t step : {1u, 2u, 3u, 7u, 64u}) {
    std::vector<std::string_view> pieces;
    for (std::size_t i = 0; i < all.size(); i += step) pieces.push_back(all.substr(i, step));
    auto many = decode(pieces);
    EXPECT_EQ(many.text, whole.text) << "pieces of " << step;
    EXPECT_EQ(many.done, 1) << "pieces of " << step;
  }
}

TEST(AnthropicCodec, AnErrorEventMidStreamIsAFailure) {
  std::string broken = stream.substr(0, stream.find("event: content_block_stop")) +
                       "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\","
                       "\"message\":\"Overloaded\"}}\n\n";
  auto d = decode({broken});
  EXPECT_TRUE(d.failed);
  EXPECT_EQ(d.done, 0);
}
