#include "protocol/turn_policy.hpp"

#include <gtest/gtest.h>

#include <array>

using parley::turn::action;
using parley::turn::barge_in_policy;
using parley::turn::decide;
using parley::turn::is_backchannel;
using parley::turn::parse_trigger;
using parley::turn::phase;
using parley::turn::to_string;
using parley::turn::trigger;
using parley::turn::words_of;
// Not `signal`: that name is taken by <csignal> in the global namespace.
using sig = parley::turn::signal;
using strings = std::vector<std::string>;

namespace {

constexpr std::array all_triggers = {trigger::speech, trigger::interim, trigger::final_transcript};
constexpr std::array all_signals = {sig::speech_started, sig::interim, sig::final_transcript};
constexpr std::array all_phases = {phase::listening, phase::thinking, phase::speaking, phase::ending};

barge_in_policy policy_with(trigger on, std::size_t min_words = 2) {
  barge_in_policy p;
  p.on = on;
  p.min_words = min_words;
  return p;
}

std::string describe(sig s, std::string_view dir, std::string_view text, phase now,
                     const barge_in_policy& p) {
  return std::string(to_string(s)) + " dir=" + std::string(dir) + " text='" + std::string(text) +
         "' phase=" + std::string(to_string(now)) + " on=" + std::string(to_string(p.on)) +
         " min_words=" + std::to_string(p.min_words);
}

struct decide_row {
  sig kind;
  std::string_view text;
  phase now;
  trigger on;
  std::size_t min_words;
  action want;
};

void check(const std::vector<decide_row>& rows) {
  for (const auto& r : rows) {
    auto p = policy_with(r.on, r.min_words);
    auto got = decide({r.kind, "in", r.text}, r.now, p);
    EXPECT_EQ(to_string(got), to_string(r.want)) << describe(r.kind, "in", r.text, r.now, p);
  }
}

}  // namespace

TEST(TurnPolicy, ParseTrigger) {
  struct row {
    std::string_view text;
    std::optional<trigger> want;
  };
  for (const auto& r : std::vector<row>{
           {"speech", trigger::speech},
           {"interim", trigger::interim},
           {"final", trigger::final_transcript},
           {"", std::nullopt},
           {"Speech", std::nullopt},
           {" interim", std::nullopt},
           {"final_transcript", std::nullopt},
           {"finals", std::nullopt},
           {"none", std::nullopt},
       }) {
    EXPECT_EQ(parse_trigger(r.text), r.want) << "'" << r.text << "'";
  }
}

TEST(TurnPolicy, TriggerNamesRoundTrip) {
  for (auto t : all_triggers) EXPECT_EQ(parse_trigger(to_string(t)), t) << to_string(t);
}

TEST(TurnPolicy, DefaultPolicy) {
  barge_in_policy p;
  EXPECT_EQ(p.on, trigger::interim);
  EXPECT_EQ(p.min_words, 2u);
  EXPECT_EQ(p.backchannels, (strings{"uh-huh", "mm-hmm", "yeah", "okay", "right", "sure"}));
}

TEST(TurnPolicy, WordsOf) {
  struct row {
    std::string_view text;
    strings want;
  };
  for (const auto& r : std::vector<row>{
           {"", {}},
           {"   ", {}},
           {"...", {}},
           {"?!,.;:", {}},
           {"- -- ' ''", {}},
           {"stop", {"stop"}},
           {"Stop.", {"stop"}},
           {"WAIT, STOP!", {"wait", "stop"}},
           {"wait,stop", {"wait", "stop"}},
           {"  wait \t stop\n", {"wait", "stop"}},
           {"Uh-huh.", {"uh-huh"}},
           {"Mm-hmm,", {"mm-hmm"}},
           {"don't", {"don't"}},
           {"I don't know", {"i", "don't", "know"}},
           {"'yeah'", {"yeah"}},
           {"\"okay\"", {"okay"}},
           {"-okay-", {"okay"}},
           {"uh--huh", {"uh", "huh"}},
           {"well - no", {"well", "no"}},
           {"it's 3.5 degrees", {"it's", "3.5", "degrees"}},
           {"1,000 dollars.", {"1,000", "dollars"}},
           {"end. Next", {"end", "next"}},
           {"a.b", {"a", "b"}},
           {"abc123", {"abc123"}},
           {"¿qué?", {"qué"}},
           {"¡Hola!", {"hola"}},
           {"ÉCOUTE", {"Écoute"}},  // only ASCII is lower-cased
           {"don\u2019t", {"don't"}},
           {"\u201Cyeah\u201D", {"yeah"}},
           {"uh\u2010huh", {"uh-huh"}},
           {"wait\u2014stop", {"wait", "stop"}},
           {"so\u2026 yes", {"so", "yes"}},
           {"日本語 です", {"日本語", "です"}},
           {"\xC3", {"\xC3"}},           // truncated UTF-8 does not read past the end
           {"a\x80 b", {"a\x80", "b"}},  // a stray continuation byte is kept, not a crash
       }) {
    EXPECT_EQ(words_of(r.text), r.want) << "'" << r.text << "'";
  }
}

TEST(TurnPolicy, IsBackchannelWithDefaults) {
  barge_in_policy p;
  struct row {
    std::string_view text;
    bool want;
  };
  for (const auto& r : std::vector<row>{
           {"uh-huh", true},     {"Uh-huh.", true},   {"Mm-hmm,", true},
           {"OKAY!", true},      {"yeah", true},      {"right.", true},
           {"Sure", true},       {"uh huh", true},  // the hyphen may be missing from a transcript
           {"mm hmm", true},     {"yeah yeah", true}, {"Yeah, yeah, yeah.", true},
           {"okay, sure", true}, {"yeah okay", true}, {"uh-huh right", true},
           {"", false},          {"...", false},      {"uh", false},  // half of an entry is not the entry
           {"huh", false},       {"yeah but", false}, {"okay wait", false},
           {"wait", false},      {"yes", false},      {"no", false},
           {"yeahh", false},     {"alright", false},
       }) {
    EXPECT_EQ(is_backchannel(r.text, p), r.want) << "'" << r.text << "'";
  }
}

TEST(TurnPolicy, IsBackchannelWithCustomEntries) {
  barge_in_policy p;
  p.backchannels = {"Got it", "I see", "uh-huh", "", "  ", "Okay."};
  struct row {
    std::string_view text;
    bool want;
  };
  for (const auto& r : std::vector<row>{
           {"got it", true},
           {"Got it.", true},
           {"okay", true},  // entries are normalised like the text
           {"okay, got it", true},
           {"I see. Got it.", true},
           {"got it got it", true},
           {"uh huh, I see", true},
           {"got", false},
           {"it", false},
           {"I", false},
           {"got it now", false},
           {"yeah", false},  // only the configured list counts
           {"", false},
       }) {
    EXPECT_EQ(is_backchannel(r.text, p), r.want) << "'" << r.text << "'";
  }
}

TEST(TurnPolicy, EmptyBackchannelListMatchesNothing) {
  barge_in_policy p;
  p.backchannels.clear();
  EXPECT_FALSE(is_backchannel("yeah", p));
  EXPECT_FALSE(is_backchannel("", p));
  EXPECT_EQ(decide({sig::final_transcript, "in", "yeah"}, phase::speaking, p), action::barge_in_answer);
}

TEST(TurnPolicy, AgentsOwnVoiceNeverActs) {
  for (auto on : all_triggers)
    for (std::size_t min_words : {0u, 1u, 2u})
      for (auto s : all_signals)
        for (auto now : all_phases)
          for (std::string_view text : {"", "stop", "wait, stop right there", "uh-huh"}) {
            auto p = policy_with(on, min_words);
            EXPECT_EQ(decide({s, "out", text}, now, p), action::ignore) << describe(s, "out", text, now, p);
          }
}

TEST(TurnPolicy, NothingActsWhileEnding) {
  for (auto on : all_triggers)
    for (auto s : all_signals)
      for (std::string_view text : {"", "stop", "wait, stop right there", "okay"}) {
        auto p = policy_with(on, 1);
        EXPECT_EQ(decide({s, "in", text}, phase::ending, p), action::ignore)
            << describe(s, "in", text, phase::ending, p);
      }
}

TEST(TurnPolicy, OtherDirectionsCountAsTheCaller) {
  barge_in_policy p;
  for (std::string_view dir : {"in", "", "both"})
    EXPECT_EQ(decide({sig::final_transcript, dir, "hello"}, phase::listening, p), action::answer) << dir;
  EXPECT_EQ(decide({sig::final_transcript, "OUT", "hello"}, phase::listening, p), action::answer);
}

TEST(TurnPolicy, Listening) {
  std::vector<decide_row> rows;
  for (auto on : all_triggers) {
    rows.insert(rows.end(),
                {
                    {sig::speech_started, "", phase::listening, on, 2, action::ignore},
                    {sig::interim, "what time is it", phase::listening, on, 2, action::ignore},
                    {sig::interim, "stop", phase::listening, on, 1, action::ignore},
                    {sig::final_transcript, "What time is it?", phase::listening, on, 2, action::answer},
                    {sig::final_transcript, "no", phase::listening, on, 2, action::answer},
                    // A lone acknowledgement while the agent waits is the caller's reply.
                    {sig::final_transcript, "okay", phase::listening, on, 2, action::answer},
                    {sig::final_transcript, "uh-huh", phase::listening, on, 2, action::answer},
                    {sig::final_transcript, "", phase::listening, on, 2, action::ignore},
                    {sig::final_transcript, " ... ", phase::listening, on, 2, action::ignore},
                });
  }
  check(rows);
}

TEST(TurnPolicy, Thinking) {
  std::vector<decide_row> rows;
  for (auto on : all_triggers) {
    rows.insert(rows.end(),
                {
                    // Speech start alone never holds: it is often noise.
                    {sig::speech_started, "", phase::thinking, on, 2, action::ignore},
                    {sig::speech_started, "", phase::thinking, on, 0, action::ignore},
                    // Holding is independent of the trigger: nothing audible is cut.
                    {sig::interim, "and also", phase::thinking, on, 2, action::hold},
                    {sig::interim, "also", phase::thinking, on, 2, action::ignore},
                    {sig::interim, "also", phase::thinking, on, 1, action::hold},
                    {sig::interim, "and also", phase::thinking, on, 3, action::ignore},
                    {sig::interim, "and also tomorrow", phase::thinking, on, 3, action::hold},
                    {sig::interim, "", phase::thinking, on, 0, action::ignore},
                    {sig::interim, "yeah okay", phase::thinking, on, 2, action::ignore},
                    {sig::interim, "uh-huh", phase::thinking, on, 1, action::ignore},
                    {sig::final_transcript, "and tomorrow too", phase::thinking, on, 2, action::merge},
                    {sig::final_transcript, "too", phase::thinking, on, 2, action::merge},
                    // Backchannels merge as well: cheap, and may change the answer.
                    {sig::final_transcript, "okay", phase::thinking, on, 2, action::merge},
                    {sig::final_transcript, "yeah yeah", phase::thinking, on, 2, action::merge},
                    {sig::final_transcript, "", phase::thinking, on, 2, action::ignore},
                    {sig::final_transcript, "?", phase::thinking, on, 2, action::ignore},
                });
  }
  check(rows);
}

TEST(TurnPolicy, SpeakingSpeechStarted) {
  check({
      {sig::speech_started, "", phase::speaking, trigger::speech, 2, action::barge_in},
      {sig::speech_started, "", phase::speaking, trigger::speech, 0, action::barge_in},
      {sig::speech_started, "", phase::speaking, trigger::speech, 3, action::barge_in},
      // A cough starts speech but says no words: only the speech trigger stops on it.
      {sig::speech_started, "", phase::speaking, trigger::interim, 2, action::ignore},
      {sig::speech_started, "", phase::speaking, trigger::interim, 1, action::ignore},
      {sig::speech_started, "", phase::speaking, trigger::final_transcript, 2, action::ignore},
  });
}

TEST(TurnPolicy, SpeakingInterim) {
  std::vector<decide_row> rows;
  for (auto on : {trigger::speech, trigger::interim}) {
    rows.insert(rows.end(), {
                                {sig::interim, "wait, stop", phase::speaking, on, 2, action::barge_in},
                                {sig::interim, "Wait stop please", phase::speaking, on, 2, action::barge_in},
                                {sig::interim, "okay wait", phase::speaking, on, 2, action::barge_in},
                                {sig::interim, "wait", phase::speaking, on, 2, action::ignore},
                                {sig::interim, "uh-huh", phase::speaking, on, 2, action::ignore},
                                {sig::interim, "uh-huh", phase::speaking, on, 1, action::ignore},
                                {sig::interim, "yeah okay", phase::speaking, on, 2, action::ignore},
                                {sig::interim, "Mm-hmm, right.", phase::speaking, on, 2, action::ignore},
                                {sig::interim, "", phase::speaking, on, 2, action::ignore},
                                {sig::interim, "...", phase::speaking, on, 1, action::ignore},
                            });
  }
  for (std::string_view text : {"wait, stop", "stop stop stop", "no"})
    rows.push_back({sig::interim, text, phase::speaking, trigger::final_transcript, 1, action::ignore});
  check(rows);
}

TEST(TurnPolicy, SpeakingInterimMinWordsBoundaries) {
  std::vector<decide_row> rows;
  for (auto on : {trigger::speech, trigger::interim}) {
    rows.insert(rows.end(), {
                                // 0 behaves as 1: an interim without words says nothing.
                                {sig::interim, "", phase::speaking, on, 0, action::ignore},
                                {sig::interim, "stop", phase::speaking, on, 0, action::barge_in},
                                {sig::interim, "", phase::speaking, on, 1, action::ignore},
                                {sig::interim, "stop", phase::speaking, on, 1, action::barge_in},
                                {sig::interim, "stop", phase::speaking, on, 2, action::ignore},
                                {sig::interim, "stop now", phase::speaking, on, 2, action::barge_in},
                                {sig::interim, "stop now", phase::speaking, on, 3, action::ignore},
                                {sig::interim, "stop now please", phase::speaking, on, 3, action::barge_in},
                                // Hyphenated and contracted words count once.
                                {sig::interim, "don't", phase::speaking, on, 2, action::ignore},
                                {sig::interim, "don't go", phase::speaking, on, 2, action::barge_in},
                                {sig::interim, "well-known fact", phase::speaking, on, 3, action::ignore},
                                // Punctuation adds no words.
                                {sig::interim, "stop ... !", phase::speaking, on, 2, action::ignore},
                            });
  }
  check(rows);
}

TEST(TurnPolicy, SpeakingFinal) {
  std::vector<decide_row> rows;
  for (auto on : all_triggers) {
    rows.insert(
        rows.end(),
        {
            // Real words take the floor under every trigger, however few.
            {sig::final_transcript, "stop.", phase::speaking, on, 2, action::barge_in_answer},
            {sig::final_transcript, "stop.", phase::speaking, on, 3, action::barge_in_answer},
            {sig::final_transcript, "No, I meant Tuesday.", phase::speaking, on, 2, action::barge_in_answer},
            {sig::final_transcript, "okay but wait", phase::speaking, on, 2, action::barge_in_answer},
            {sig::final_transcript, "yes", phase::speaking, on, 2, action::barge_in_answer},
            // Acknowledgements neither interrupt nor start a turn.
            {sig::final_transcript, "uh-huh", phase::speaking, on, 2, action::ignore},
            {sig::final_transcript, "Uh-huh.", phase::speaking, on, 1, action::ignore},
            {sig::final_transcript, "Mm-hmm,", phase::speaking, on, 2, action::ignore},
            {sig::final_transcript, "OKAY!", phase::speaking, on, 2, action::ignore},
            {sig::final_transcript, "Yeah, yeah.", phase::speaking, on, 2, action::ignore},
            {sig::final_transcript, "okay, sure", phase::speaking, on, 2, action::ignore},
            {sig::final_transcript, "", phase::speaking, on, 2, action::ignore},
            {sig::final_transcript, "...", phase::speaking, on, 2, action::ignore},
        });
  }
  check(rows);
}

TEST(TurnPolicy, FinalTriggerInterruptsOnlyOnAFinal) {
  auto p = policy_with(trigger::final_transcript, 1);
  EXPECT_EQ(decide({sig::speech_started, "in", ""}, phase::speaking, p), action::ignore);
  EXPECT_EQ(decide({sig::interim, "in", "wait, stop right now"}, phase::speaking, p), action::ignore);
  EXPECT_EQ(decide({sig::final_transcript, "in", "wait"}, phase::speaking, p), action::barge_in_answer);
}

TEST(TurnPolicy, CustomBackchannelsInDecide) {
  auto p = policy_with(trigger::interim, 2);
  p.backchannels = {"got it", "I see"};
  EXPECT_EQ(decide({sig::interim, "in", "Got it."}, phase::speaking, p), action::ignore);
  EXPECT_EQ(decide({sig::interim, "in", "I see, got it"}, phase::speaking, p), action::ignore);
  EXPECT_EQ(decide({sig::final_transcript, "in", "got it"}, phase::speaking, p), action::ignore);
  EXPECT_EQ(decide({sig::interim, "in", "yeah okay"}, phase::speaking, p), action::barge_in);
  EXPECT_EQ(decide({sig::final_transcript, "in", "okay"}, phase::speaking, p), action::barge_in_answer);
}

TEST(TurnPolicy, UnicodeTranscriptsDoNotCrash) {
  barge_in_policy p;
  EXPECT_EQ(words_of("¿qué?").size(), 1u);
  EXPECT_FALSE(is_backchannel("¿qué?", p));
  EXPECT_EQ(decide({sig::interim, "in", "¿qué?"}, phase::speaking, p), action::ignore);
  EXPECT_EQ(decide({sig::interim, "in", "¿qué dices?"}, phase::speaking, p), action::barge_in);
  EXPECT_EQ(decide({sig::final_transcript, "in", "¿qué?"}, phase::speaking, p), action::barge_in_answer);
  EXPECT_EQ(decide({sig::final_transcript, "in", "\xE2\x80"}, phase::speaking, p), action::barge_in_answer);
}
