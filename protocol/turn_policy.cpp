#include "protocol/turn_policy.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace parley::turn {

namespace {

// One character of a transcript as the word splitter sees it.
struct unit {
  enum kind_t { letter, link, point, gap } kind;
  std::string text;  // lower-cased for ASCII; the whole UTF-8 sequence otherwise
};

// Non-ASCII punctuation an STT engine puts into transcripts; anything else non-ASCII is a letter
// (only ASCII is lower-cased: the policy's own lists are ASCII, and this stays locale-free).
struct special {
  std::string_view utf8;
  unit::kind_t kind;
  std::string_view as;  // replacement text for links
};
constexpr std::array<special, 15> specials = {{
    {"\u00A0", unit::gap, ""},    // no-break space
    {"\u00A1", unit::gap, ""},    // ¡
    {"\u00AB", unit::gap, ""},    // «
    {"\u00BB", unit::gap, ""},    // »
    {"\u00BF", unit::gap, ""},    // ¿
    {"\u2010", unit::link, "-"},  // hyphen
    {"\u2011", unit::link, "-"},  // non-breaking hyphen
    {"\u2013", unit::gap, ""},    // en dash
    {"\u2014", unit::gap, ""},    // em dash
    {"\u2018", unit::gap, ""},    // left single quote
    {"\u2019", unit::link, "'"},  // right single quote, the usual typographic apostrophe
    {"\u201C", unit::gap, ""},    // left double quote
    {"\u201D", unit::gap, ""},    // right double quote
    {"\u2026", unit::gap, ""},    // ellipsis
    {"\u3000", unit::gap, ""},    // ideographic space
}};

std::size_t utf8_length(unsigned char lead) {
  if (lead >= 0xF0 && lead < 0xF8) return 4;
  if (lead >= 0xE0) return lead < 0xF0 ? 3 : 1;
  if (lead >= 0xC0) return 2;
  return 1;  // ASCII, or a stray continuation byte: taken alone, never read past the end
}

std::vector<unit> units_of(std::string_view text) {
  std::vector<unit> out;
  for (std::size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (std::isalnum(c)) {
        out.push_back({unit::letter, std::string(1, static_cast<char>(std::tolower(c)))});
      } else if (c == '\'' || c == '-') {
        out.push_back({unit::link, std::string(1, static_cast<char>(c))});
      } else if (c == '.' || c == ',') {
        out.push_back({unit::point, std::string(1, static_cast<char>(c))});
      } else {
        out.push_back({unit::gap, {}});
      }
      ++i;
      continue;
    }
    auto len = std::min(utf8_length(c), text.size() - i);
    auto seq = text.substr(i, len);
    unit u{unit::letter, std::string(seq)};
    for (const auto& s : specials) {
      if (s.utf8 == seq) {
        u = {s.kind, std::string(s.as)};
        break;
      }
    }
    out.push_back(std::move(u));
    i += len;
  }
  return out;
}

bool is_digit(char c) {
  return std::isdigit(static_cast<unsigned char>(c)) != 0;
}

// Words split further at hyphens, so "uh huh" and "uh-huh" compare equal.
std::vector<std::string> match_units(std::string_view text) {
  std::vector<std::string> out;
  for (const auto& word : words_of(text)) {
    std::size_t start = 0;
    for (std::size_t dash; (dash = word.find('-', start)) != std::string::npos; start = dash + 1)
      out.push_back(word.substr(start, dash - start));
    out.push_back(word.substr(start));
  }
  return out;
}

// An interim must carry at least this many words to count; never zero, so an interim without
// words (noise) never acts.
std::size_t needed_words(const barge_in_policy& policy) {
  return std::max<std::size_t>(policy.min_words, 1);
}

bool says_enough(std::string_view text, const barge_in_policy& policy) {
  return words_of(text).size() >= needed_words(policy) && !is_backchannel(text, policy);
}

}  // namespace

std::optional<trigger> parse_trigger(std::string_view text) {
  if (text == "speech") return trigger::speech;
  if (text == "interim") return trigger::interim;
  if (text == "final") return trigger::final_transcript;
  return std::nullopt;
}

std::string_view to_string(trigger t) {
  switch (t) {
    case trigger::speech:
      return "speech";
    case trigger::interim:
      return "interim";
    case trigger::final_transcript:
      return "final";
  }
  return "?";
}

std::string_view to_string(signal s) {
  switch (s) {
    case signal::speech_started:
      return "speech_started";
    case signal::interim:
      return "interim";
    case signal::final_transcript:
      return "final_transcript";
  }
  return "?";
}

std::string_view to_string(phase p) {
  switch (p) {
    case phase::listening:
      return "listening";
    case phase::thinking:
      return "thinking";
    case phase::speaking:
      return "speaking";
    case phase::ending:
      return "ending";
  }
  return "?";
}

std::string_view to_string(action a) {
  switch (a) {
    case action::ignore:
      return "ignore";
    case action::hold:
      return "hold";
    case action::barge_in:
      return "barge_in";
    case action::answer:
      return "answer";
    case action::barge_in_answer:
      return "barge_in_answer";
    case action::merge:
      return "merge";
  }
  return "?";
}

std::vector<std::string> words_of(std::string_view text) {
  auto units = units_of(text);
  std::vector<std::string> words;
  std::string word;
  for (std::size_t i = 0; i < units.size(); ++i) {
    const auto& u = units[i];
    if (u.kind == unit::letter) {
      word += u.text;
      continue;
    }
    // A hyphen or apostrophe joins two letters ("uh-huh", "don't"); a point or comma joins two
    // digits ("3.5", "1,000"). Anywhere else they end the word like any punctuation.
    bool next_letter = i + 1 < units.size() && units[i + 1].kind == unit::letter;
    bool joins = !word.empty() && next_letter &&
                 (u.kind == unit::link ||
                  (u.kind == unit::point && is_digit(word.back()) && is_digit(units[i + 1].text[0])));
    if (joins) {
      word += u.text;
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

bool is_backchannel(std::string_view text, const barge_in_policy& policy) {
  auto said = match_units(text);
  if (said.empty()) return false;
  std::vector<std::vector<std::string>> entries;
  for (const auto& entry : policy.backchannels) {
    auto e = match_units(entry);
    if (!e.empty()) entries.push_back(std::move(e));  // an empty entry would match nothing forever
  }
  // The text is a backchannel when it can be cut, left to right, into whole entries: this covers
  // one entry ("got it"), repeats ("yeah yeah") and mixes ("okay, sure") with one rule.
  std::vector<bool> reached(said.size() + 1, false);
  reached[0] = true;
  for (std::size_t at = 0; at < said.size(); ++at) {
    if (!reached[at]) continue;
    for (const auto& e : entries) {
      if (at + e.size() <= said.size() && std::equal(e.begin(), e.end(), said.begin() + at))
        reached[at + e.size()] = true;
    }
  }
  return reached[said.size()];
}

action decide(const caller_event& ev, phase now, const barge_in_policy& policy) {
  // Only "out" is the agent's own voice. Anything else (normally "in") is treated as the caller,
  // so a frame without a direction cannot make the agent deaf.
  if (ev.direction == "out" || now == phase::ending) return action::ignore;

  switch (ev.kind) {
    case signal::speech_started:
      // Noise and coughs start speech too; only the most eager trigger stops on it.
      return now == phase::speaking && policy.on == trigger::speech ? action::barge_in : action::ignore;

    case signal::interim:
      if (!says_enough(ev.text, policy)) return action::ignore;
      // Holding back an answer nobody has heard yet interrupts nothing, so it does not depend on
      // the trigger: the caller is clearly still talking and the final will merge anyway.
      if (now == phase::thinking) return action::hold;
      if (now == phase::speaking && policy.on != trigger::final_transcript) return action::barge_in;
      return action::ignore;

    case signal::final_transcript:
      if (words_of(ev.text).empty()) return action::ignore;
      switch (now) {
        case phase::listening:
          // A lone "okay" while the agent waits is the caller's reply, not an acknowledgement.
          return action::answer;
        case phase::thinking:
          // Backchannels merge too: nothing has been said, so restarting is cheap, and the
          // caller's latest words may change the answer ("okay" after a question is a yes).
          return action::merge;
        case phase::speaking:
          // Acknowledging the agent must neither cut it off nor become a turn; real words take
          // the floor under every trigger, however few ("stop.").
          return is_backchannel(ev.text, policy) ? action::ignore : action::barge_in_answer;
        case phase::ending:
          return action::ignore;
      }
      return action::ignore;
  }
  return action::ignore;
}

}  // namespace parley::turn
