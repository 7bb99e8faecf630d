// What the caller heard of a reply: from the agent's voice coming back, or estimated.

#include "protocol/playout_tracker.hpp"

#include <gtest/gtest.h>

using parley::playout_tracker;
using namespace std::chrono_literals;

namespace {
const auto t0 = playout_tracker::clock::time_point{} + 1h;
}

TEST(PlayoutTracker, TheVoiceComingBackTellsWhatWasHeard) {
  playout_tracker p{10};
  p.said("Your table is booked.", t0);
  p.said("Anything else?", t0 + 10ms);
  EXPECT_FALSE(p.played(t0 + 20ms));
  EXPECT_EQ(p.heard(t0 + 20ms), "");  // no voice yet, and the estimate has not got far
  p.interim("your table");
  EXPECT_EQ(p.heard(t0 + 20ms), "Your table");
  p.final_transcript("your table is booked");
  EXPECT_EQ(p.heard(t0 + 20ms), "Your table is booked.");
  EXPECT_FALSE(p.played(t0 + 20ms));
  p.final_transcript("anything else");
  EXPECT_TRUE(p.played(t0 + 20ms));  // long before the estimate: the voice says so
  EXPECT_EQ(p.heard(t0 + 20ms), "Your table is booked. Anything else?");
}

TEST(PlayoutTracker, WithoutVoiceTheEstimateDecides) {
  playout_tracker p{10};              // 10 characters a second
  p.said("One two three four.", t0);  // 19 characters: 1.9 s
  EXPECT_FALSE(p.played(t0 + 1800ms));
  EXPECT_TRUE(p.played(t0 + 1900ms));
  EXPECT_EQ(p.deadline(), t0 + 1900ms);
  EXPECT_EQ(p.heard(t0 + 800ms), "One two");  // 8 characters in: two whole words
  EXPECT_EQ(p.heard(t0 + 5s), "One two three four.");
}

TEST(PlayoutTracker, TextsPlayOneAfterAnother) {
  playout_tracker p{10};
  p.said("0123456789", t0);          // ends at 1 s
  p.said("abcdefghij", t0 + 100ms);  // queued behind it: ends at 2 s, not 1.1 s
  EXPECT_FALSE(p.played(t0 + 1500ms));
  EXPECT_TRUE(p.played(t0 + 2s));
  p.said("klmnopqrst", t0 + 5s);  // after a pause: ends 1 s after it was accepted
  EXPECT_EQ(p.deadline(), t0 + 6s);
}

TEST(PlayoutTracker, LaggingVoiceGetsAGracePeriod) {
  playout_tracker p{10, 2s};
  p.said("Hello there.", t0);  // estimate 1.2 s
  p.interim("hello");
  EXPECT_FALSE(p.played(t0 + 1500ms));  // the voice is behind the estimate: wait for it
  EXPECT_EQ(p.deadline(), t0 + 3200ms);
  EXPECT_TRUE(p.played(t0 + 3200ms));  // recognition dropped words: played anyway
}

TEST(PlayoutTracker, VoiceBeforeTheAnswerCountsOnceExpected) {
  playout_tracker p{10};
  p.final_transcript("stale tail of an older reply");  // nothing expected: ignored
  p.expect();
  p.final_transcript("hi there");  // the voice overtook VoIPBIN's answer to /say
  p.said("Hi there!", t0);
  EXPECT_TRUE(p.played(t0));
  EXPECT_EQ(p.heard(t0), "Hi there!");
}

TEST(PlayoutTracker, HeardNeverGoesPastWhatWasSaid) {
  playout_tracker p{10};
  p.said("Short.", t0);
  p.final_transcript("short and then some words the recogniser made up");
  EXPECT_EQ(p.heard(t0), "Short.");
}

TEST(PlayoutTracker, ResetStartsANewReply) {
  playout_tracker p{10};
  p.said("First reply.", t0);
  p.final_transcript("first reply");
  p.reset();
  EXPECT_TRUE(p.empty());
  p.final_transcript("first reply");  // a late echo of the old reply
  p.said("Second one here.", t0 + 1s);
  EXPECT_FALSE(p.played(t0 + 1s));
  EXPECT_EQ(p.heard(t0 + 1s), "");
}

TEST(PlayoutTracker, TheRestAfterSomeWords) {
  EXPECT_EQ(playout_tracker::count_words("Hi there, how - are you?"), 5u);
  EXPECT_EQ(playout_tracker::after_words("Hi there, how are you?", 2), "how are you?");
  EXPECT_EQ(playout_tracker::after_words("Hi there, how are you?", 0), "Hi there, how are you?");
  EXPECT_EQ(playout_tracker::after_words("Hi there.", 2), "");
  EXPECT_EQ(playout_tracker::after_words("Hi there.", 5), "");
}

TEST(PlayoutTracker, TheFirstWords) {
  EXPECT_EQ(playout_tracker::first_words("Hi there, how are you?", 2), "Hi there,");
  EXPECT_EQ(playout_tracker::first_words("  Hi there, how are you?", 1), "Hi");
  EXPECT_EQ(playout_tracker::first_words("Hi there, how are you?", 0), "");
  EXPECT_EQ(playout_tracker::first_words("Hi there.", 5), "Hi there.");
}
