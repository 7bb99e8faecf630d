#include "protocol/sentence_splitter.hpp"

#include <gtest/gtest.h>

using parley::sentence_splitter;
using strings = std::vector<std::string>;

TEST(SentenceSplitter, EmitsASentenceAsSoonAsTheNextWordStarts) {
  sentence_splitter s;
  EXPECT_EQ(s.feed("Hello"), strings{});
  EXPECT_EQ(s.feed(" there."), strings{});  // "." could still become "..." or "3.5"
  EXPECT_EQ(s.feed(" How"), strings{"Hello there."});
  EXPECT_EQ(s.feed(" are you? Fine"), strings{"How are you?"});
  EXPECT_EQ(s.finish(), "Fine");
}

TEST(SentenceSplitter, WorksTokenByToken) {
  sentence_splitter s;
  strings out;
  for (const char* t : {"It", "'s", " 3", ".", "5", " degrees", ".", " Bring", " a", " coat", "!"}) {
    auto got = s.feed(t);
    out.insert(out.end(), got.begin(), got.end());
  }
  EXPECT_EQ(out, strings{"It's 3.5 degrees."});
  EXPECT_EQ(s.finish(), "Bring a coat!");
}

TEST(SentenceSplitter, KeepsAbbreviationsAndInitials) {
  sentence_splitter s;
  auto out = s.feed("Dr. Smith and J. Doe met e.g. today. Then ");
  EXPECT_EQ(out, strings{"Dr. Smith and J. Doe met e.g. today."});
}

TEST(SentenceSplitter, ClosingQuoteStaysWithItsSentence) {
  sentence_splitter s;
  EXPECT_EQ(s.feed("He said \"yes.\" Then left. "), (strings{"He said \"yes.\"", "Then left."}));
}

TEST(SentenceSplitter, NewlineEndsASentence) {
  sentence_splitter s;
  EXPECT_EQ(s.feed("First line\nSecond"), strings{"First line"});
  EXPECT_EQ(s.finish(), "Second");
}

TEST(SentenceSplitter, ShortSentencesAreJoinedWithTheNext) {
  sentence_splitter s(8);
  EXPECT_EQ(s.feed("Yes. I can do that. "), strings{"Yes. I can do that."});
}

TEST(SentenceSplitter, FinishOnWhitespaceIsEmpty) {
  sentence_splitter s;
  s.feed("Done. ");
  EXPECT_EQ(s.finish(), "");
}
