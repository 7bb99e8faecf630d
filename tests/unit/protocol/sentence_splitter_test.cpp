#include "protocol/sentence_splitter.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

using parley::sentence_splitter;
using strings = std::vector<std::string>;
using options = sentence_splitter::options;

namespace {

// Feeds the deltas in order, then finishes: every piece of the turn.
strings split(sentence_splitter& s, const std::vector<std::string_view>& deltas) {
  strings out;
  for (auto d : deltas) {
    auto got = s.feed(d);
    out.insert(out.end(), got.begin(), got.end());
  }
  if (auto rest = s.finish(); !rest.empty()) out.push_back(std::move(rest));
  return out;
}

strings split(const options& o, const std::vector<std::string_view>& deltas) {
  sentence_splitter s(o);
  return split(s, deltas);
}

strings split_whole(const options& o, std::string_view text) {
  return split(o, {text});
}

// Cuts like a model's tokenizer: a token starts at a space after a word, and ASCII punctuation
// marks are tokens of their own.
std::vector<std::string_view> tokens(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t b = 0;
  auto punct = [](char c) { return c > ' ' && c < 0x7f && !std::isalnum(static_cast<unsigned char>(c)); };
  for (std::size_t i = 1; i <= text.size(); ++i) {
    bool cut =
        i == text.size() || punct(text[i]) || punct(text[i - 1]) || (text[i] == ' ' && text[i - 1] != ' ');
    if (cut) {
      out.push_back(text.substr(b, i - b));
      b = i;
    }
  }
  return out;
}

std::vector<std::string_view> bytes(std::string_view text) {
  std::vector<std::string_view> out;
  for (std::size_t i = 0; i < text.size(); ++i) out.push_back(text.substr(i, 1));
  return out;
}

std::string without_spaces(std::string_view s) {
  std::string out;
  for (char c : s)
    if (!std::isspace(static_cast<unsigned char>(c))) out += c;
  return out;
}

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n;
  }
  return true;
}

struct sample {
  std::string_view text;
  strings pieces;  // with the default options
};

// Texts a voice agent's model writes, with the pieces a listener should hear them in.
const std::vector<sample>& corpus() {
  static const std::vector<sample> all = {
      // Abbreviations that a name or a number follows.
      {"Dr. Smith will see you now. Please take a seat.",
       {"Dr. Smith will see you now.", "Please take a seat."}},
      {"Mr. and Mrs. Jones booked a table. Ms. Lee did too.",
       {"Mr. and Mrs. Jones booked a table.", "Ms. Lee did too."}},
      {"Prof. Adams teaches at St. Mary's. She is great.",
       {"Prof. Adams teaches at St. Mary's.", "She is great."}},
      {"Sammy Davis Jr. sang it. Then Sr. Garcia spoke.",
       {"Sammy Davis Jr. sang it.", "Then Sr. Garcia spoke."}},
      {"It's the Lakers vs. the Celtics tonight. Want tickets?",
       {"It's the Lakers vs. the Celtics tonight.", "Want tickets?"}},
      {"Try a citrus fruit, e.g. an orange. Or a lime.",
       {"Try a citrus fruit, e.g. an orange.", "Or a lime."}},
      {"Use the side door, i.e. the one on the left. Thanks!",
       {"Use the side door, i.e. the one on the left.", "Thanks!"}},
      {"The drive takes approx. 20 minutes. Leave early.",
       {"The drive takes approx. 20 minutes.", "Leave early."}},
      // Abbreviations that may also end a sentence: the next word decides.
      {"We sell apples etc. and also plums. Anything else?",
       {"We sell apples etc. and also plums.", "Anything else?"}},
      {"Bring snacks, drinks, etc. See you soon.", {"Bring snacks, drinks, etc.", "See you soon."}},
      {"Your room is no. 12 on the first floor. Enjoy!",
       {"Your room is no. 12 on the first floor.", "Enjoy!"}},
      {"The answer is no. Let me explain why.", {"The answer is no.", "Let me explain why."}},
      {"She has a Ph.D. in physics. Impressive.", {"She has a Ph.D. in physics.", "Impressive."}},
      // Times.
      {"Your appointment is at 10 a.m. tomorrow. Don't be late.",
       {"Your appointment is at 10 a.m. tomorrow.", "Don't be late."}},
      {"We close at 3:30 p.m. See you then!", {"We close at 3:30 p.m.", "See you then!"}},
      {"Call between 9 a.m. and 5 p.m. on weekdays.", {"Call between 9 a.m. and 5 p.m. on weekdays."}},
      // Numbers.
      {"It costs $4.99 today. Tax is 3.5 percent.", {"It costs $4.99 today.", "Tax is 3.5 percent."}},
      {"Last year we sold more than 1,000,000 tickets. Wow.",
       {"Last year we sold more than 1,000,000 tickets.", "Wow."}},
      {"Café crème is €3.50 here. Très bon!", {"Café crème is €3.50 here.", "Très bon!"}},
      {"1. Open the app.\n2. Tap Book.", {"1. Open the app.", "2. Tap Book."}},
      // Initials and dotted acronyms.
      {"J. R. Smith wrote it. He is a J.R.R. Tolkien fan.",
       {"J. R. Smith wrote it.", "He is a J.R.R. Tolkien fan."}},
      {"She moved to the U.S. last year. The U.K. office closed.",
       {"She moved to the U.S. last year.", "The U.K. office closed."}},
      {"Neither do I. Shall we go?", {"Neither do I.", "Shall we go?"}},
      // Ellipses.
      {"Well... maybe we can. Let me check.", {"Well... maybe we can.", "Let me check."}},
      {"Hmm... Let me think. Okay.", {"Hmm...", "Let me think.", "Okay."}},
      {"Well\xE2\x80\xA6 maybe. Or not\xE2\x80\xA6 Who knows?",
       {"Well\xE2\x80\xA6 maybe.", "Or not\xE2\x80\xA6", "Who knows?"}},
      {"Wait...what? Fine.", {"Wait...what?", "Fine."}},
      // Addresses and versions.
      {"Visit example.com/path for details. It's free.",
       {"Visit example.com/path for details.", "It's free."}},
      {"Go to www.parley.dev or mail a.b@c.org today. We reply fast.",
       {"Go to www.parley.dev or mail a.b@c.org today.", "We reply fast."}},
      {"You are on v1.2.3. Please update to v1.2.4 soon.",
       {"You are on v1.2.3.", "Please update to v1.2.4 soon."}},
      {"The docs live at https://parley.dev/docs. Have a look.",
       {"The docs live at https://parley.dev/docs.", "Have a look."}},
      // Punctuation around sentence ends.
      {"Really?! That is great!!! Tell me more.", {"Really?!", "That is great!!!", "Tell me more."}},
      {"She said \"call me.\" (It was late.) We called.",
       {"She said \"call me.\"", "(It was late.)", "We called."}},
      {"She said \xE2\x80\x9C"
       "call me.\xE2\x80\x9D We called.",
       {"She said \xE2\x80\x9C"
        "call me.\xE2\x80\x9D",
        "We called."}},
      {"First line\nSecond line. Third.", {"First line", "Second line.", "Third."}},
      // The first clause of a turn goes early; later clauses do not.
      {"Sure thing, let me look that up for you, one moment. I found it.",
       {"Sure thing, let me look that up for you,", "one moment.", "I found it."}},
      {"Let me check the calendar for you, one moment, please, thanks. Then more, and more, and more.",
       {"Let me check the calendar for you,", "one moment, please, thanks.",
        "Then more, and more, and more."}},
      {"Here is what I found in our records: two bookings. Both are fine.",
       {"Here is what I found in our records:", "two bookings.", "Both are fine."}},
      {"The restaurant is open late tonight; we close at eleven.",
       {"The restaurant is open late tonight;", "we close at eleven."}},
      {"I checked the schedule for you - it is free at noon.",
       {"I checked the schedule for you -", "it is free at noon."}},
      {"I checked the schedule for you \xE2\x80\x94 it is free at noon.",
       {"I checked the schedule for you \xE2\x80\x94", "it is free at noon."}},
      {"I checked the schedule for you \xE2\x80\x93 it is free at noon.",
       {"I checked the schedule for you \xE2\x80\x93", "it is free at noon."}},
      {"I would be glad to help you\xE2\x80\x94what day works best?",
       {"I would be glad to help you\xE2\x80\x94", "what day works best?"}},
      {"Yes, of course. I can help, and I will, gladly.",
       {"Yes, of course.", "I can help, and I will, gladly."}},
      // ...but not inside numbers, dates, times, words or after an abbreviation.
      {"Our kitchen makes a lot of home-made pasta every day.",
       {"Our kitchen makes a lot of home-made pasta every day."}},
      {"We can bake bread and rolls etc., and also some cakes.",
       {"We can bake bread and rolls etc., and also some cakes."}},
      {"The reservation is for March 5, 2025 at seven. See you.",
       {"The reservation is for March 5, 2025 at seven.", "See you."}},
      {"The final score of the game was 5 - 3 for us.", {"The final score of the game was 5 - 3 for us."}},
      {"The opening hours are 9:00 to 17:30 every day.", {"The opening hours are 9:00 to 17:30 every day."}},
      {"The store is open 9\xE2\x80\x93"
       "5 every single weekday.",
       {"The store is open 9\xE2\x80\x93"
        "5 every single weekday."}},
  };
  return all;
}

}  // namespace

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

TEST(SentenceSplitter, CorpusSplitsWhereAListenerHearsAPause) {
  for (const auto& c : corpus()) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(split_whole(options{}, c.text), c.pieces);
  }
}

TEST(SentenceSplitter, CorpusGivesTheSamePiecesHoweverTheTextIsStreamed) {
  // The defaults, held short sentences without early clauses, and limits small enough to cut
  // most texts of the corpus.
  const std::vector<options> configs = {options{}, options{8, 0, 5000}, options{1, 10, 40},
                                        options{3, 12, 16}, options{1, 24, 4}};
  for (const auto& o : configs) {
    for (const auto& c : corpus()) {
      SCOPED_TRACE(testing::Message()
                   << "min_chars " << o.min_chars << ", first_clause_min_chars " << o.first_clause_min_chars
                   << ", max_bytes " << o.max_bytes << ": " << c.text);
      auto whole = split_whole(o, c.text);
      std::size_t failures = 0;
      for (std::size_t p = 0; p <= c.text.size() && failures == 0; ++p) {
        auto got = split(o, {c.text.substr(0, p), c.text.substr(p)});
        if (got != whole) {
          ++failures;
          EXPECT_EQ(got, whole) << "fed in two at byte " << p;
        }
      }
      EXPECT_EQ(split(o, bytes(c.text)), whole) << "byte by byte";
      EXPECT_EQ(split(o, tokens(c.text)), whole) << "token by token";

      // Nothing is lost, and every piece is trimmed, whole UTF-8 and within the limit.
      std::string joined;
      for (const auto& piece : whole) {
        joined += piece;
        EXPECT_FALSE(piece.empty());
        EXPECT_LE(piece.size(), o.max_bytes) << piece;
        EXPECT_TRUE(valid_utf8(piece)) << piece;
        EXPECT_FALSE(std::isspace(static_cast<unsigned char>(piece.front())));
        EXPECT_FALSE(std::isspace(static_cast<unsigned char>(piece.back())));
      }
      EXPECT_EQ(without_spaces(joined), without_spaces(c.text));
    }
  }
}

TEST(SentenceSplitter, RandomTextsGiveTheSamePiecesHoweverTheyAreStreamed) {
  // Fragments that sit right at the rules' edges, strung together at random (seeded, so a
  // failure repeats), plus a stray continuation byte.
  const std::vector<std::string_view> fragments = {"Dr.",
                                                   "etc.",
                                                   "a.m.",
                                                   "U.S.",
                                                   "J.",
                                                   "no.",
                                                   "1.",
                                                   ".",
                                                   "...",
                                                   "\xE2\x80\xA6",
                                                   "?",
                                                   "!",
                                                   ",",
                                                   ";",
                                                   ":",
                                                   " - ",
                                                   "-",
                                                   "\xE2\x80\x94",
                                                   "\xE2\x80\x93",
                                                   "\"",
                                                   "\xE2\x80\x9D",
                                                   ")",
                                                   " ",
                                                   "  ",
                                                   "\n",
                                                   "Word",
                                                   "word",
                                                   "I",
                                                   "3",
                                                   ".5",
                                                   "1,000",
                                                   "é",
                                                   "\x80",
                                                   "example.com",
                                                   "x"};
  const std::vector<options> configs = {options{}, options{5, 8, 4}, options{1, 6, 12}, options{4, 0, 30}};
  std::uint32_t seed = 12345;
  auto next = [&seed] { return (seed = seed * 1664525u + 1013904223u) >> 8; };
  for (int round = 0; round < 300; ++round) {
    std::string text;
    for (auto n = 5 + next() % 40; n > 0; --n) text += fragments[next() % fragments.size()];
    const auto& o = configs[round % configs.size()];
    SCOPED_TRACE(testing::Message() << "round " << round << ": " << text);
    auto whole = split_whole(o, text);
    for (std::size_t p = 0; p <= text.size(); ++p) {
      auto got = split(o, {std::string_view(text).substr(0, p), std::string_view(text).substr(p)});
      if (got != whole) {
        EXPECT_EQ(got, whole) << "fed in two at byte " << p;
        break;
      }
    }
    EXPECT_EQ(split(o, bytes(text)), whole) << "byte by byte";
    std::string joined;
    for (const auto& piece : whole) {
      joined += piece;
      EXPECT_LE(piece.size(), o.max_bytes) << piece;
    }
    EXPECT_EQ(without_spaces(joined), without_spaces(text));
  }
}

TEST(SentenceSplitter, WaitsForTheNextWordOnlyWhenItDecides) {
  sentence_splitter s;
  EXPECT_EQ(s.feed("It opens at 10 a.m."), strings{});
  EXPECT_EQ(s.feed("  "), strings{});  // "a.m. tomorrow" or "a.m. Come"?
  EXPECT_EQ(s.feed("C"), strings{"It opens at 10 a.m."});
  EXPECT_EQ(s.feed("ome early... "), strings{});
  EXPECT_EQ(s.feed("or"), strings{});  // a lowercase word carries on after the ellipsis
  EXPECT_EQ(s.feed(" not. "), strings{"Come early... or not."});  // an ordinary word needs no look
  EXPECT_EQ(s.finish(), "");
}

TEST(SentenceSplitter, FirstClauseGoesOutWhenTheNextWordStarts) {
  sentence_splitter s;
  EXPECT_EQ(s.feed("Let me check the calendar for you,"), strings{});
  EXPECT_EQ(s.feed(" "), strings{});  // "for you, 2025" would not be a clause
  EXPECT_EQ(s.feed("o"), strings{"Let me check the calendar for you,"});
  EXPECT_EQ(s.feed("ne moment, please, and then some more words,"), strings{});
  EXPECT_EQ(s.feed(" okay"), strings{});  // only the first piece of a turn
  EXPECT_EQ(s.finish(), "one moment, please, and then some more words, okay");
}

TEST(SentenceSplitter, FirstClauseNeedsItsMinimumLength) {
  const std::string short_clause = std::string(22, 'a') + ", then more.";  // the comma is character 23
  const std::string long_clause = std::string(23, 'a') + ", then more.";
  EXPECT_EQ(split_whole(options{}, short_clause), strings{short_clause});
  EXPECT_EQ(split_whole(options{}, long_clause), (strings{std::string(23, 'a') + ",", "then more."}));
  EXPECT_EQ(split_whole(options{1, 10, 5000}, short_clause),
            (strings{std::string(22, 'a') + ",", "then more."}));
  // Characters, not bytes: 12 two-byte letters make a clause of 13 characters.
  std::string accents;
  for (int k = 0; k < 12; ++k) accents += "\xC3\xA9";
  EXPECT_EQ(split_whole(options{1, 14, 5000}, accents + ", then more."), strings{accents + ", then more."});
  EXPECT_EQ(split_whole(options{1, 13, 5000}, accents + ", then more."),
            (strings{accents + ",", "then more."}));
}

TEST(SentenceSplitter, FirstClauseCanBeTurnedOff) {
  const std::string text = "Let me check the calendar for you, one moment.";
  EXPECT_EQ(split_whole(options{1, 0, 5000}, text), strings{text});
  EXPECT_EQ(split_whole(options{}, text), (strings{"Let me check the calendar for you,", "one moment."}));
}

TEST(SentenceSplitter, FirstClauseMayFollowAHeldShortSentence) {
  sentence_splitter s(options{8, 24, 5000});
  EXPECT_EQ(s.feed("Yes. Let me see what I can do, one moment. Sure, "),
            (strings{"Yes. Let me see what I can do,", "one moment."}));
}

TEST(SentenceSplitter, EachTurnHasItsOwnFirstClause) {
  const std::string text = "Let me check the calendar for you, one moment.";
  const strings pieces = {"Let me check the calendar for you,", "one moment."};
  sentence_splitter s;
  EXPECT_EQ(split(s, {text}), pieces);  // finish ends the turn
  EXPECT_EQ(split(s, {text}), pieces);

  // reset drops what is pending and starts a turn, too
  EXPECT_EQ(s.feed("Half a sent"), strings{});
  s.reset();
  EXPECT_EQ(split(s, {text}), pieces);
  EXPECT_EQ(s.feed("Sure. "), strings{"Sure."});
  s.reset();
  EXPECT_EQ(split(s, {text}), pieces);
}

TEST(SentenceSplitter, MinCharsConstructorKeepsTheOtherDefaults) {
  const std::string text = "Yes. Let me check the calendar for you, one moment. " + std::string(6000, 'x');
  sentence_splitter by_min_chars(8);
  sentence_splitter by_options(options{8, 24, 5000});
  EXPECT_EQ(split(by_min_chars, {text}), split(by_options, {text}));
  EXPECT_EQ(split_whole(options{.min_chars = 8}, text).size(), 4u);
}

TEST(SentenceSplitter, LongRunIsCutAtTheLastSpaceBeforeTheLimit) {
  std::string text;
  while (text.size() < 12000) text += "and then we walked a little further ";
  text += "home.";
  auto pieces = split_whole(options{}, text);
  ASSERT_EQ(pieces.size(), 3u);
  std::string joined;
  for (const auto& piece : pieces) {
    EXPECT_LE(piece.size(), 5000u);
    joined += (joined.empty() ? "" : " ") + piece;
  }
  // At the last space that keeps the piece within the limit: the next word would not fit.
  EXPECT_EQ(text[pieces[0].size()], ' ');
  EXPECT_GT(text.find(' ', pieces[0].size() + 1), 5000u);
  EXPECT_EQ(joined, text);  // cut only at spaces
  EXPECT_EQ(split(options{}, tokens(text)), pieces);
  EXPECT_EQ(split(options{}, bytes(text)), pieces);
}

TEST(SentenceSplitter, TextWithoutSpacesIsCutBetweenCharacters) {
  std::string text;
  for (int k = 0; k < 2000; ++k) text += "\xE6\x97\xA5";  // 日, three bytes
  for (std::size_t limit : {5000u, 4999u, 4998u}) {
    SCOPED_TRACE(limit);
    auto pieces = split_whole(options{1, 24, limit}, text);
    ASSERT_EQ(pieces.size(), 2u);
    EXPECT_EQ(pieces[0].size(), 4998u);
    EXPECT_TRUE(valid_utf8(pieces[0]));
    EXPECT_TRUE(valid_utf8(pieces[1]));
    EXPECT_EQ(pieces[0] + pieces[1], text);
    EXPECT_EQ(split(options{1, 24, limit}, bytes(text)), pieces);
  }
}

TEST(SentenceSplitter, NoLimitKeepsALongRunWhole) {
  const std::string text = std::string(6000, 'x') + " y";
  EXPECT_EQ(split_whole(options{1, 24, 0}, text), strings{text});
  EXPECT_EQ(split_whole(options{}, text), (strings{std::string(5000, 'x'), std::string(1000, 'x') + " y"}));
}
