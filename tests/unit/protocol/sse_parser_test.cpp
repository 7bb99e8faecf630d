#include "protocol/sse_parser.hpp"

#include <gtest/gtest.h>

using parley::sse_parser;

TEST(SseParser, ParsesEventsSplitAcrossFeeds) {
  sse_parser p;
  EXPECT_TRUE(p.feed("data: {\"a\"").empty());
  EXPECT_TRUE(p.feed(":1}\n").empty());
  auto out = p.feed("\ndata: [DONE]\n\n");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].data, "{\"a\":1}");
  EXPECT_EQ(out[0].event, "message");
  EXPECT_EQ(out[1].data, "[DONE]");
}

TEST(SseParser, HandlesCrLfCommentsAndMultiLineData) {
  sse_parser p;
  auto out = p.feed(": keep-alive\r\nevent: delta\r\nid: 7\r\ndata: a\r\ndata:b\r\n\r\n");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].event, "delta");
  EXPECT_EQ(out[0].id, "7");
  EXPECT_EQ(out[0].data, "a\nb");
}

TEST(SseParser, CrLfSplitBetweenFeeds) {
  sse_parser p;
  EXPECT_TRUE(p.feed("data: x\r").empty());
  auto out = p.feed("\n\r\n");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, "x");
}

TEST(SseParser, BlankLinesWithoutDataDispatchNothing) {
  sse_parser p;
  EXPECT_TRUE(p.feed("\n\nevent: x\n\n").empty());
}

TEST(SseParser, OverlongLineFailsTheStream) {
  sse_parser p(16);
  p.feed(std::string(40, 'x'));
  EXPECT_TRUE(p.failed());
  EXPECT_TRUE(p.feed("data: y\n\n").empty());
}
