#include "protocol/chat.hpp"

#include <gtest/gtest.h>

namespace parley {
namespace {

chat_history conversation(int pairs) {
  chat_history h{{"system", "be brief", false}, {"assistant", "hello", false}};
  for (int i = 1; i <= pairs; ++i) {
    h.push_back({"user", "question " + std::to_string(i), false});
    h.push_back({"assistant", "answer " + std::to_string(i), false});
  }
  return h;
}

std::vector<std::string> contents(const chat_history& h) {
  std::vector<std::string> out;
  for (const auto& m : h) out.push_back(m.content);
  return out;
}

TEST(RecentHistory, ShortHistoryIsKeptWhole) {
  auto h = conversation(2);  // 5 messages besides the system prompt
  EXPECT_EQ(contents(recent_history(h, 5)), contents(h));
  EXPECT_EQ(contents(recent_history(h, 50)), contents(h));
}

TEST(RecentHistory, OldestMessagesAreDroppedAndTheSystemPromptStays) {
  auto h = conversation(3);
  h.push_back({"user", "question 4", false});
  auto kept = recent_history(h, 5);
  EXPECT_EQ(contents(kept), (std::vector<std::string>{"be brief", "question 2", "answer 2", "question 3",
                                                      "answer 3", "question 4"}));
}

TEST(RecentHistory, TheKeptPartNeverStartsWithAnAnswerToADroppedQuestion) {
  auto h = conversation(3);
  h.push_back({"user", "question 4", false});
  // The last 4 would start with "answer 2": it goes too, pairs stay aligned.
  auto kept = recent_history(h, 4);
  EXPECT_EQ(contents(kept), (std::vector<std::string>{"be brief", "question 3", "answer 3", "question 4"}));
  // The greeting before the first question goes once anything is dropped.
  EXPECT_EQ(contents(recent_history(conversation(1), 2)),
            (std::vector<std::string>{"be brief", "question 1", "answer 1"}));
}

TEST(RecentHistory, FlagsAndRolesAreKept) {
  chat_history h{{"user", "a", false}, {"assistant", "b", true}, {"user", "c", false}};
  auto kept = recent_history(h, 2);  // no system prompt: "b" would lead, so only "c"
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].role, "user");
  kept = recent_history(h, 3);
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_TRUE(kept[1].interrupted);
}

// A tool call and its results are kept together: the kept part never opens with a result
// whose call was dropped, nor with the answer that followed them.
TEST(RecentHistory, AToolResultIsNeverKeptWithoutItsCall) {
  chat_message call{"assistant", "Let me look."};
  call.tool_calls = {{"call_1", "lookup", "{}"}};
  chat_message result{"tool", "found"};
  result.tool_call_id = "call_1";
  chat_history h{{"system", "be brief"},        {"user", "find it"}, call, result,
                 {"assistant", "It is found."}, {"user", "thanks"}};
  // The newest 3 would start with the tool result: it and the answer after it go.
  EXPECT_EQ(contents(recent_history(h, 3)), (std::vector<std::string>{"be brief", "thanks"}));
  auto kept = recent_history(h, 4);  // the call and its result together
  EXPECT_EQ(contents(kept), (std::vector<std::string>{"be brief", "thanks"}));
  kept = recent_history(h, 5);
  ASSERT_EQ(kept.size(), 6u);
  EXPECT_EQ(kept[2].tool_calls.size(), 1u);
  EXPECT_EQ(kept[3].tool_call_id, "call_1");
}

}  // namespace
}  // namespace parley
