// A call's checkpoint survives the trip through Redis whole, and a damaged one is refused.

#include "protocol/call_checkpoint.hpp"

#include <gtest/gtest.h>

using namespace parley;

TEST(CallCheckpoint, RoundTripsTheHistoryWithoutTheSystemPrompt) {
  call_checkpoint c;
  c.history.push_back({"system", "You are a test agent."});
  c.history.push_back({"assistant", "Hello."});
  c.history.push_back({"user", "Book a table, \"today\"."});
  chat_message cut{"assistant", "Let me check", true};
  cut.tool_calls.push_back({"call_1", "lookup", "{\"day\":\"today\"}"});
  c.history.push_back(cut);
  chat_message result{"tool", "no table"};
  result.tool_call_id = "call_1";
  result.tool_error = true;
  c.history.push_back(result);
  c.finals = {"t-1", "t-2"};

  auto back = parse_call_checkpoint(to_json(c));
  ASSERT_TRUE(back) << back.error().message;
  ASSERT_EQ(back->history.size(), 4u);
  EXPECT_EQ(back->history[0].content, "Hello.");
  EXPECT_EQ(back->history[1].content, "Book a table, \"today\".");
  EXPECT_TRUE(back->history[2].interrupted);
  ASSERT_EQ(back->history[2].tool_calls.size(), 1u);
  EXPECT_EQ(back->history[2].tool_calls[0].arguments, "{\"day\":\"today\"}");
  EXPECT_EQ(back->history[3].tool_call_id, "call_1");
  EXPECT_TRUE(back->history[3].tool_error);
  EXPECT_EQ(back->finals, c.finals);
}

TEST(CallCheckpoint, ADamagedOneIsRefused) {
  EXPECT_FALSE(parse_call_checkpoint("not json"));
  EXPECT_FALSE(parse_call_checkpoint("{\"version\":2,\"history\":[]}"));
  EXPECT_FALSE(parse_call_checkpoint("{\"version\":1,\"history\":[{\"role\":\"user\"}]}"));
  EXPECT_FALSE(parse_call_checkpoint("{\"version\":1,\"history\":[{\"role\":1,\"content\":\"x\"}]}"));
}
