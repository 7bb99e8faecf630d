#include "protocol/transcript_history.hpp"

#include <gtest/gtest.h>

using namespace parley;
using namespace parley::voipbin;
using std::chrono::microseconds;

namespace {

transcript said(const std::string& direction, const std::string& text, const std::string& at,
                const std::string& id = "") {
  return transcript{id, "", "", direction, text, at, ""};
}

}  // namespace

TEST(TranscriptOffset, ReadsTheYearOneOffsetInItsForms) {
  EXPECT_EQ(transcript_offset("0001-01-01T00:00:05.1Z").value(), microseconds(5100000));
  EXPECT_EQ(transcript_offset("0001-01-01T00:00:05.12Z").value(), microseconds(5120000));
  EXPECT_EQ(transcript_offset("0001-01-01 00:00:08.991840").value(),
            microseconds(8991840));  // the docs' form
  EXPECT_EQ(transcript_offset("0001-01-01T01:02:03Z").value(), microseconds(3723000000));
  EXPECT_EQ(transcript_offset("0001-01-02T00:00:00Z").value(), microseconds(86400000000));  // past a day
  EXPECT_EQ(transcript_offset("0001-01-01T00:00:10+00:00").value(), microseconds(10000000));
  EXPECT_EQ(transcript_offset("0001-01-01T01:00:10+01:00").value(), microseconds(10000000));
  // Digits past microseconds are dropped; a wall-clock time orders after any offset.
  EXPECT_EQ(transcript_offset("0001-01-01T00:00:00.1234567Z").value(), microseconds(123456));
  EXPECT_GT(transcript_offset("2026-01-15T09:30:00Z").value(),
            transcript_offset("0001-12-31T23:59:59Z").value());
  EXPECT_GT(transcript_offset("2026-03-01T00:00:00Z").value(),
            transcript_offset("2026-02-28T23:59:59Z").value());
}

TEST(TranscriptOffset, RefusesWhatIsNotATime) {
  for (const char* bad : {"", "5.1", "0001-01-01", "0001-01-01T00:00", "0001-13-01T00:00:00Z",
                          "0001-01-01T00:00:05.Z", "0001-01-01T00:00:05Zjunk", "0000-01-01T00:00:00Z"})
    EXPECT_FALSE(transcript_offset(bad)) << bad;
}

TEST(HistoryFromTranscripts, OrdersBySpokenOffsetAndJoinsEachSidesPieces) {
  // Newest first, as GET /transcripts answers; "12.5" is later than "12.25" although it sorts
  // first as text.
  std::vector<transcript> list = {
      said("in", "Tomorrow.", "0001-01-01T00:00:12.5Z"),
      said("out", "For when?", "0001-01-01T00:00:12.25Z"),
      said("out", "Sure.", "0001-01-01T00:00:09Z"),
      said("in", "A table for two, please.", "0001-01-01T00:00:06.2Z"),
      said("in", "Hi,", "0001-01-01T00:00:04Z"),
      said("out", "Hello, how can I help?", "0001-01-01T00:00:01Z"),
  };
  auto history = history_from_transcripts(list);
  ASSERT_EQ(history.size(), 4u);
  EXPECT_EQ(history[0].role, "assistant");
  EXPECT_EQ(history[0].content, "Hello, how can I help?");
  EXPECT_EQ(history[1].role, "user");
  EXPECT_EQ(history[1].content, "Hi, A table for two, please.");
  EXPECT_EQ(history[2].role, "assistant");
  EXPECT_EQ(history[2].content, "Sure. For when?");
  EXPECT_EQ(history[3].role, "user");
  EXPECT_EQ(history[3].content, "Tomorrow.");
  for (const auto& m : history) EXPECT_FALSE(m.interrupted);
}

TEST(HistoryFromTranscripts, KeepsListOrderForEqualOffsetsAndLeavesOutWhatIsNoTurn) {
  std::vector<transcript> list = {
      said("in", "second", "0001-01-01T00:00:03Z"),  // newer of two at the same offset
      said("in", "first", "0001-01-01T00:00:03Z"),  said("both", "not live", "0001-01-01T00:00:02Z"),
      said("out", "", "0001-01-01T00:00:01Z"),      said("out", "unreadable time", "yesterday"),
  };
  auto history = history_from_transcripts(list);
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].role, "user");
  EXPECT_EQ(history[0].content, "first second");
  EXPECT_EQ(history[1].role, "assistant");
  EXPECT_EQ(history[1].content, "unreadable time");  // last
  EXPECT_TRUE(history_from_transcripts({}).empty());
}
