#include "protocol/openai_codec.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace parley;

TEST(OpenAiCodec, BuildsAStreamingChatRequest) {
  chat_history h{{"system", "Be brief.", false}, {"user", "Hi", false}, {"assistant", "Hello!", false}};
  auto body = nlohmann::json::parse(openai::build_chat_request(h, {"gpt-x", 100, 0.5, true}));
  EXPECT_EQ(body["model"], "gpt-x");
  EXPECT_EQ(body["stream"], true);
  EXPECT_EQ(body["max_tokens"], 100);
  EXPECT_DOUBLE_EQ(body["temperature"].get<double>(), 0.5);
  ASSERT_EQ(body["messages"].size(), 3u);
  EXPECT_EQ(body["messages"][2]["role"], "assistant");
  EXPECT_EQ(body["messages"][2]["content"], "Hello!");
  auto defaults = nlohmann::json::parse(openai::build_chat_request(h, {"m", 0, -1, false}));
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
  auto j = nlohmann::json::parse(openai::build_chat_request(h, {"m", 0, -1, true}));
  EXPECT_EQ(j["messages"][0]["content"], "Tell me the hours.");
  EXPECT_EQ(j["messages"][1]["content"], "We open at nine and [interrupted by the caller]");
}
