#include "protocol/sentence_splitter.hpp"

#include <algorithm>
#include <array>
#include <optional>

namespace parley {

namespace {

constexpr std::string_view ellipsis = "\xE2\x80\xA6";  // …
constexpr std::string_view em_dash = "\xE2\x80\x94";   // —
constexpr std::string_view en_dash = "\xE2\x80\x93";   // –
// Closing quotes and brackets stay with the sentence they close.
constexpr std::array<std::string_view, 7> closers = {"\"",           "'",       ")", "]", "\xE2\x80\x9D",
                                                     "\xE2\x80\x99", "\xC2\xBB"};

// Words whose period never ends a sentence: a name or a number follows.
constexpr std::array<std::string_view, 13> always_followed = {"mr", "mrs", "ms", "dr",  "prof", "st",    "mt",
                                                              "jr", "sr",  "vs", "e.g", "i.e",  "approx"};
// Words whose period ends a sentence only if no lowercase word or number follows
// ("at 10 a.m. tomorrow" but "at 10 a.m. See you").
constexpr std::array<std::string_view, 6> often_followed = {"etc", "a.m", "p.m", "no", "inc", "ltd"};

bool is_space(int c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool is_lower(int c) {
  return c >= 'a' && c <= 'z';
}
bool is_upper(int c) {
  return c >= 'A' && c <= 'Z';
}
bool is_digit(int c) {
  return c >= '0' && c <= '9';
}
bool is_alnum(int c) {
  return is_lower(c) || is_upper(c) || is_digit(c);
}
bool is_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

std::size_t char_count(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return !is_continuation(c); }));
}

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r\n\f\v");
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(" \t\r\n\f\v");
  return std::string(s.substr(b, e - b + 1));
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (is_upper(c)) c = static_cast<char>(c - 'A' + 'a');
  return out;
}

template <std::size_t N>
bool listed(const std::array<std::string_view, N>& list, std::string_view word) {
  return std::find(list.begin(), list.end(), word) != list.end();
}

// Letters in dotted groups of one or two ("U.S", "a.m", "Ph.D"); *initials when every group
// is one capital ("U.S", "J.R.R").
bool is_dotted(std::string_view word, bool* initials) {
  std::size_t groups = 0;
  *initials = true;
  std::size_t b = 0;
  for (;;) {
    auto e = std::min(word.find('.', b), word.size());
    auto group = word.substr(b, e - b);
    if (group.empty() || group.size() > 2) return false;
    for (char c : group)
      if (!is_lower(c) && !is_upper(c)) return false;
    if (group.size() != 1 || !is_upper(group[0])) *initials = false;
    ++groups;
    if (e == word.size()) break;
    b = e + 1;
  }
  return groups >= 2;
}

enum class period { ends, never_ends, ends_before_capital };

// What a period after `word` means; `opens_piece` when the word is the first of the piece.
period classify(std::string_view word, bool opens_piece) {
  if (word.empty()) return period::ends;
  // A single capital is an initial ("J. Smith"), except the pronoun ("So do I.").
  if (word.size() == 1 && is_upper(word[0]) && word[0] != 'I') return period::never_ends;
  auto w = lower(word);
  if (listed(always_followed, w)) return period::never_ends;
  if (listed(often_followed, w)) return period::ends_before_capital;
  bool initials = false;
  if (is_dotted(word, &initials)) return initials ? period::never_ends : period::ends_before_capital;
  // "1." opening a piece numbers a list item.
  if (opens_piece && std::all_of(word.begin(), word.end(), [](char c) { return is_digit(c); }))
    return period::never_ends;
  return period::ends;
}

enum class match { no, yes, wait };

// The text a piece may still take: it starts at `start` and cannot reach `limit` or beyond;
// bytes past the end of `text` have not arrived yet.
struct window {
  std::string_view text;
  std::size_t start;
  std::size_t limit;

  static constexpr int wait = -1;  // not arrived yet: decide later
  static constexpr int edge = -2;  // past the byte limit: can never join this piece

  int at(std::size_t k) const {
    if (k >= limit) return edge;
    if (k >= text.size()) return wait;
    return static_cast<unsigned char>(text[k]);
  }
  match has(std::size_t k, std::string_view lit) const {
    for (std::size_t n = 0; n < lit.size(); ++n) {
      int c = at(k + n);
      if (c == wait) return match::wait;
      if (c != static_cast<unsigned char>(lit[n])) return match::no;
    }
    return match::yes;
  }
};

// Length of the sentence mark (. ! ? …) at k, 0 if there is none; nullopt until known.
std::optional<std::size_t> mark_at(const window& w, std::size_t k) {
  int c = w.at(k);
  if (c == window::wait) return std::nullopt;
  if (c == '.' || c == '!' || c == '?') return 1;
  auto m = w.has(k, ellipsis);
  if (m == match::wait) return std::nullopt;
  return m == match::yes ? ellipsis.size() : 0;
}

// The index after the closing quotes and brackets from k; nullopt until known.
std::optional<std::size_t> skip_closers(const window& w, std::size_t k) {
  for (bool found = true; found;) {
    found = false;
    for (auto closer : closers) {
      auto m = w.has(k, closer);
      if (m == match::wait) return std::nullopt;
      if (m == match::yes) {
        k += closer.size();
        found = true;
        break;
      }
    }
  }
  return k;
}

// The first byte of the next word after the spaces from k (a newline counts as one), or
// window::wait / window::edge.
int next_word(const window& w, std::size_t k) {
  for (;; ++k) {
    int c = w.at(k);
    if (c < 0 || c == '\n' || !is_space(c)) return c;
  }
}

struct verdict {
  enum kind_t { none, wait, split } kind;
  std::size_t end = 0;  // for split: the index after the piece
};

// A sentence mark of `len` bytes at i: does the sentence end there?
verdict sentence_end(const window& w, std::size_t i, std::size_t len) {
  auto after = i + len;
  auto more = mark_at(w, after);
  if (!more) return {verdict::wait};
  if (*more > 0) return {verdict::none};  // "?!", "...": decided at the last mark
  auto end = skip_closers(w, after);
  if (!end) return {verdict::wait};
  int c = w.at(*end);
  if (c == window::wait) return {verdict::wait};
  if (c < 0 || !is_space(c)) return {verdict::none};  // "3.5", "U.S.", "example.com"

  auto first = i;  // the run of marks is [first, after)
  for (;;) {
    if (first > w.start && (w.text[first - 1] == '.' || w.text[first - 1] == '!' || w.text[first - 1] == '?'))
      --first;
    else if (first >= w.start + ellipsis.size() &&
             w.text.substr(first - ellipsis.size(), ellipsis.size()) == ellipsis)
      first -= ellipsis.size();
    else
      break;
  }
  auto run = w.text.substr(first, after - first);
  period kind = period::ends;
  if (run.find_first_of("!?") == std::string_view::npos) {
    if (run == ".") {
      auto b = first;
      while (b > w.start && !is_space(static_cast<unsigned char>(w.text[b - 1]))) --b;
      auto word = w.text.substr(b, first - b);
      while (!word.empty() && !is_alnum(static_cast<unsigned char>(word.front()))) word.remove_prefix(1);
      kind = classify(word, b == w.start);
    } else {
      kind = period::ends_before_capital;  // an ellipsis: "Well... maybe" goes on
    }
  }
  if (kind == period::never_ends) return {verdict::none};
  if (kind == period::ends_before_capital) {
    int n = next_word(w, *end);
    if (n == window::wait) return {verdict::wait};
    if (is_lower(n) || is_digit(n)) return {verdict::none};
  }
  return {verdict::split, *end};
}

// A comma, colon, semicolon or dash at i: may the first clause end there? `min_chars` is the
// least length of that clause.
verdict clause_end(const window& w, std::size_t i, std::size_t min_chars) {
  int c = w.at(i);
  if (c == window::wait) return {verdict::wait};
  bool spaced_before = i > w.start && w.text[i - 1] == ' ';
  std::size_t after = 0;
  bool glued = false;  // an em dash may join two words: "glad to help—what day works?"
  if (c == ',' || c == ';' || c == ':') {
    if (i > w.start && w.text[i - 1] == '.') return {verdict::none};  // "etc., and"
    auto end = skip_closers(w, i + 1);
    if (!end) return {verdict::wait};
    after = *end;
  } else if (c == '-') {
    if (!spaced_before) return {verdict::none};  // "well-known", "-5"
    after = i + 1;
  } else {
    auto em = w.has(i, em_dash);
    auto en = w.has(i, en_dash);
    if (em == match::wait || en == match::wait) return {verdict::wait};
    if (em == match::yes) {
      after = i + em_dash.size();
      glued = true;
    } else if (en == match::yes && spaced_before) {  // unspaced it is a range: "9–5"
      after = i + en_dash.size();
    } else {
      return {verdict::none};
    }
  }
  int next = w.at(after);
  if (next == window::wait) return {verdict::wait};
  if (next == window::edge || (!is_space(next) && !glued)) return {verdict::none};  // "1,000", "3:30"
  auto piece = w.text.substr(w.start, after - w.start);
  if (piece.size() < min_chars || char_count(piece) < min_chars) return {verdict::none};
  int n = is_space(next) ? next_word(w, after) : next;
  if (n == window::wait) return {verdict::wait};
  if (is_digit(n)) return {verdict::none};  // "March 5, 2025", "5 - 3"
  return {verdict::split, after};
}

// Where to cut a piece that would pass `limit` (text[limit] exists): at the last space, else
// between two characters.
std::size_t cut_point(std::string_view text, std::size_t start, std::size_t limit) {
  for (auto k = limit; k > start; --k)
    if (is_space(static_cast<unsigned char>(text[k]))) return k;
  for (auto k = limit; k > start; --k)
    if (!is_continuation(text[k])) return k;
  return limit;  // not UTF-8 anyway
}

}  // namespace

sentence_splitter::sentence_splitter(std::size_t min_chars)
    : sentence_splitter(options{.min_chars = min_chars}) {}

sentence_splitter::sentence_splitter(const options& opts)
    : min_chars_(opts.min_chars),
      first_clause_min_chars_(opts.first_clause_min_chars),
      max_bytes_(opts.max_bytes == 0 ? 0 : std::max<std::size_t>(opts.max_bytes, 4)) {}

void sentence_splitter::emit(std::vector<std::string>& out, std::size_t start, std::size_t end) {
  auto piece = trim(std::string_view(buffer_).substr(start, end - start));
  if (piece.empty()) return;
  out.push_back(std::move(piece));
  emitted_ = true;
}

std::vector<std::string> sentence_splitter::feed(std::string_view delta) {
  std::vector<std::string> out;
  buffer_.append(delta);
  std::size_t start = 0;  // of the piece being built
  std::size_t i = pos_;
  while (i < buffer_.size()) {
    if (i == start && is_space(static_cast<unsigned char>(buffer_[i]))) {  // no piece starts with a space
      start = ++i;
      continue;
    }
    if (max_bytes_ != 0 && i - start >= max_bytes_) {  // no boundary within the limit
      auto cut = cut_point(buffer_, start, start + max_bytes_);
      emit(out, start, cut);
      start = i = cut;
      continue;
    }
    window w{buffer_, start, max_bytes_ == 0 ? std::string::npos : start + max_bytes_};
    auto v = buffer_[i] == '\n' ? verdict{verdict::split, i + 1} : verdict{verdict::none};
    if (v.kind == verdict::none) {
      auto mark = mark_at(w, i);
      if (!mark) break;
      if (*mark > 0) {
        v = sentence_end(w, i, *mark);
      } else if (!emitted_ && first_clause_min_chars_ > 0) {
        v = clause_end(w, i, std::max(first_clause_min_chars_, min_chars_));
      }
    }
    if (v.kind == verdict::wait) break;
    if (v.kind == verdict::none) {
      ++i;
      continue;
    }
    auto piece = trim(std::string_view(buffer_).substr(start, v.end - start));
    if (char_count(piece) >= min_chars_) {
      emit(out, start, v.end);
      start = v.end;
    }
    i = v.end;
  }
  buffer_.erase(0, start);
  pos_ = i - start;
  return out;
}

std::string sentence_splitter::finish() {
  auto rest = trim(buffer_);
  reset();
  return rest;
}

void sentence_splitter::reset() {
  buffer_.clear();
  pos_ = 0;
  emitted_ = false;
}

}  // namespace parley
