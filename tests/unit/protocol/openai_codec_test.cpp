#include "protocol/openai_codec.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace parley;

TEST(OpenAiCodec, BuildsAStreamingChatRequest) {
  chat_history h{{"system", "Be brief.", false}, {"user", "Hi", false}, {"assistant", "Hello!", false}};
  auto body = nlohmann::json::parse(openai::build_chat_request(h, {"gpt-x", 100, 0.5, true, {}}));
  EXPECT_EQ(body["model"], "gpt-x");
  EXPECT_EQ(body["stream"], true);
  EXPECT_EQ(body["max_tokens"], 100);
  EXPECT_DOUBLE_EQ(body["temperature"].get<double>(), 0.5);
  ASSERT_EQ(body["messages"].size(), 3u);
  EXPECT_EQ(body["messages"][2]["role"], "assistant");
  EXPECT_EQ(body["messages"][2]["content"], "Hello!");
  auto defaults = nlohmann::json::parse(openai::build_chat_request(h, {"m", 0, -1, false, {}}));
  EXPECT_FALSE(defaults.contains("max_tokens"));
  EXPECT_FALSE(defaults.contains("temperature"));
}

TEST(OpenAiCodec, ParsesStreamDeltas) {
  auto d = openai::parse_stream_data(
      R"({"choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]})");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->text, "Hel");
  EXPECT_FALSE(d->done);
  auto role = openai::parse_stream_data(R"({"choices":[{"delta":{"role":"assistant"}}]})");
  ASSERT_TRUE(role);
  EXPECT_EQ(role->text, "");
  auto fin = openai::parse_stream_data(R"({"choices":[{"delta":{},"finish_reason":"stop"}]})");
  ASSERT_TRUE(fin);
  EXPECT_TRUE(fin->done);
  auto done = openai::parse_stream_data("[DONE]");
  ASSERT_TRUE(done);
  EXPECT_TRUE(done->done);
}

TEST(OpenAiCodec, RejectsMalformedChunks) {
  EXPECT_FALSE(openai::parse_stream_data("{not json"));
  EXPECT_FALSE(openai::parse_stream_data("[1,2]"));
  EXPECT_FALSE(openai::parse_stream_data(R"({"choices":"x"})"));
  auto err = openai::parse_stream_data(R"({"error":{"message":"overloaded"}})");
  ASSERT_FALSE(err);
  EXPECT_NE(err.error().message.find("overloaded"), std::string::npos);
}

TEST(OpenAiCodec, ParsesCompletionsAndErrors) {
  auto c = openai::parse_completion(R"({"choices":[{"message":{"role":"assistant","content":"Hi."}}]})");
  ASSERT_TRUE(c);
  EXPECT_EQ(*c, "Hi.");
  EXPECT_FALSE(openai::parse_completion(R"({"choices":[]})"));
  EXPECT_EQ(openai::parse_error_message(R"({"error":{"message":"bad key"}})").value_or(""), "bad key");
  EXPECT_FALSE(openai::parse_error_message("<html>"));
}

TEST(OpenAiCodec, MarksWhereTheCallerCutTheAgentOff) {
  chat_history h{{"user", "Tell me the hours.", false}, {"assistant", "We open at nine and", true}};
  auto j = nlohmann::json::parse(openai::build_chat_request(h, {"m", 0, -1, true, {}}));
  EXPECT_EQ(j["messages"][0]["content"], "Tell me the hours.");
  EXPECT_EQ(j["messages"][1]["content"], "We open at nine and [interrupted by the caller]");
}

namespace {

using nlohmann::json;

std::vector<tool_definition> order_tools() {
  return {{"lookup_order", "Finds an order.", R"({"type":"object","properties":{"id":{"type":"integer"}}})"},
          {"get_time", "The time.", "not a schema"}};
}

// The caller asks, the agent calls two tools, both answer (the second failing), the agent says.
chat_history order_history() {
  chat_message calls{"assistant", "Let me check."};
  calls.tool_calls = {{"call_1", "lookup_order", R"({"id":42})"}, {"call_2", "get_time", ""}};
  chat_message first{"tool", "shipped"};
  first.tool_call_id = "call_1";
  chat_message second{"tool", "clock broken"};
  second.tool_call_id = "call_2";
  second.tool_error = true;
  return {{"system", "Be brief."},     {"user", "Where is order 42?"}, calls, first, second,
          {"assistant", "It shipped."}};
}

}  // namespace

TEST(OpenAiCodec, OffersToolsAsFunctions) {
  openai::request_options o{"m", 0, -1, true, order_tools()};
  auto body = json::parse(openai::build_chat_request({{"user", "Hi"}}, o));
  EXPECT_EQ(body["tools"], json::parse(R"([
      {"type":"function","function":{"name":"lookup_order","description":"Finds an order.",
        "parameters":{"type":"object","properties":{"id":{"type":"integer"}}}}},
      {"type":"function","function":{"name":"get_time","description":"The time.",
        "parameters":{"type":"object","properties":{}}}}])"));
  o.tools.clear();
  EXPECT_FALSE(json::parse(openai::build_chat_request({{"user", "Hi"}}, o)).contains("tools"));
}

TEST(OpenAiCodec, SendsToolCallsAndTheirResults) {
  auto body = json::parse(openai::build_chat_request(order_history(), {"m", 0, -1, true, order_tools()}));
  EXPECT_EQ(body["messages"], json::parse(R"([
      {"role":"system","content":"Be brief."},
      {"role":"user","content":"Where is order 42?"},
      {"role":"assistant","content":"Let me check.","tool_calls":[
        {"id":"call_1","type":"function","function":{"name":"lookup_order","arguments":"{\"id\":42}"}},
        {"id":"call_2","type":"function","function":{"name":"get_time","arguments":"{}"}}]},
      {"role":"tool","tool_call_id":"call_1","content":"shipped"},
      {"role":"tool","tool_call_id":"call_2","content":"clock broken"},
      {"role":"assistant","content":"It shipped."}])"));
  // A call said without words has null content.
  auto h = order_history();
  h[2].content.clear();
  auto silent = json::parse(openai::build_chat_request(h, {"m", 0, -1, true, order_tools()}));
  EXPECT_TRUE(silent["messages"][2]["content"].is_null());
  EXPECT_EQ(silent["messages"][2]["tool_calls"].size(), 2u);
}

TEST(OpenAiCodec, WithoutToolsCallsAndResultsAreToldAsText) {
  auto body = json::parse(openai::build_chat_request(order_history(), {"m", 0, -1, true, {}}));
  EXPECT_FALSE(body.contains("tools"));
  EXPECT_EQ(body["messages"], json::parse(R"([
      {"role":"system","content":"Be brief."},
      {"role":"user","content":"Where is order 42?"},
      {"role":"assistant","content":"Let me check. [called tool lookup_order with {\"id\":42}] [called tool get_time with {}]"},
      {"role":"user","content":"[result of lookup_order: shipped]"},
      {"role":"user","content":"[get_time failed: clock broken]"},
      {"role":"assistant","content":"It shipped."}])"));
}

TEST(OpenAiCodec, AResultNotRightAfterItsCallIsToldAsText) {
  // The caller spoke while lookup_order ran: the API wants the results right after the call.
  auto h = order_history();
  h.insert(h.begin() + 3, chat_message{"user", "Hello?"});
  auto body = json::parse(openai::build_chat_request(h, {"m", 0, -1, true, order_tools()}));
  const auto& m = body["messages"];
  ASSERT_EQ(m.size(), 7u);
  EXPECT_EQ(m[2], json::parse(R"({"role":"assistant","content":
      "Let me check. [called tool lookup_order with {\"id\":42}] [called tool get_time with {}]"})"));
  EXPECT_EQ(m[3], json::parse(R"({"role":"user","content":"Hello?"})"));
  EXPECT_EQ(m[4], json::parse(R"({"role":"user","content":"[result of lookup_order: shipped]"})"));
  EXPECT_EQ(m[5], json::parse(R"({"role":"user","content":"[get_time failed: clock broken]"})"));
}

TEST(OpenAiCodec, ParsesStreamedToolCallPieces) {
  auto first = openai::parse_stream_data(
      R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"lookup_order","arguments":""}},{"index":1,"id":"call_2","type":"function","function":{"name":"get_time"}}]},"finish_reason":null}]})");
  ASSERT_TRUE(first);
  ASSERT_EQ(first->tool_calls.size(), 2u);
  EXPECT_EQ(first->tool_calls[0].index, 0u);
  EXPECT_EQ(first->tool_calls[0].id, "call_1");
  EXPECT_EQ(first->tool_calls[0].name, "lookup_order");
  EXPECT_EQ(first->tool_calls[0].arguments, "");
  EXPECT_EQ(first->tool_calls[1].index, 1u);
  EXPECT_EQ(first->tool_calls[1].name, "get_time");
  EXPECT_FALSE(first->done);
  auto piece = openai::parse_stream_data(
      R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"{\"id\":"}}]}}]})");
  ASSERT_TRUE(piece);
  ASSERT_EQ(piece->tool_calls.size(), 1u);
  EXPECT_EQ(piece->tool_calls[0].index, 1u);
  EXPECT_EQ(piece->tool_calls[0].id, "");
  EXPECT_EQ(piece->tool_calls[0].name, "");
  EXPECT_EQ(piece->tool_calls[0].arguments, "{\"id\":");
  EXPECT_EQ(piece->text, "");
  auto fin =
      openai::parse_stream_data(R"({"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]})");
  ASSERT_TRUE(fin);
  EXPECT_TRUE(fin->done);
  EXPECT_TRUE(fin->tool_calls.empty());
  // Odd shapes are skipped, never thrown on.
  auto odd = openai::parse_stream_data(
      R"({"choices":[{"delta":{"tool_calls":[7,{"index":"x","function":{"name":3,"arguments":[1]}}]}}]})");
  ASSERT_TRUE(odd);
  ASSERT_EQ(odd->tool_calls.size(), 1u);
  EXPECT_EQ(odd->tool_calls[0].index, 0u);
  EXPECT_EQ(odd->tool_calls[0].arguments, "");
}
