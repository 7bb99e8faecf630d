#include "protocol/playout_tracker.hpp"

#include <algorithm>
#include <cctype>

namespace parley {

namespace {

bool is_space(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}

// Whitespace-separated tokens with at least one letter or digit (or any non-ASCII byte): what
// speech recognition gives back as a word. Calls `on_word(end_offset)` for each.
template <class F>
void for_each_word(std::string_view text, F on_word) {
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    bool wordy = false;
    while (i < text.size() && !is_space(text[i])) {
      auto c = static_cast<unsigned char>(text[i]);
      wordy |= std::isalnum(c) != 0 || c >= 0x80;
      ++i;
    }
    if (wordy) on_word(i);
  }
}

}  // namespace

std::size_t playout_tracker::count_words(std::string_view text) {
  std::size_t n = 0;
  for_each_word(text, [&](std::size_t) { ++n; });
  return n;
}

std::string playout_tracker::after_words(std::string_view text, std::size_t n) {
  std::size_t cut = 0, seen = 0;
  if (n > 0)
    for_each_word(text, [&](std::size_t end) {
      if (++seen == n) cut = end;
    });
  if (n > 0 && seen < n) return {};
  auto rest = text.substr(cut);
  auto b = rest.find_first_not_of(" \t\r\n");
  return b == std::string_view::npos ? std::string{} : std::string(rest.substr(b));
}

std::string playout_tracker::first_words(std::string_view text, std::size_t n) {
  std::size_t cut = 0, seen = 0;
  if (n > 0)
    for_each_word(text, [&](std::size_t end) {
      if (++seen <= n) cut = end;
    });
  auto kept = text.substr(0, cut);
  auto b = kept.find_first_not_of(" \t\r\n");
  return b == std::string_view::npos ? std::string{} : std::string(kept.substr(b));
}

playout_tracker::playout_tracker(double chars_per_second, clock::duration grace)
    : chars_per_second_(chars_per_second > 0 ? chars_per_second : 14), grace_(grace) {}

void playout_tracker::said(std::string_view text, clock::time_point now) {
  expecting_ = true;
  if (said_words_.empty()) started_ = now;
  std::size_t base = said_text_.size();
  if (!said_text_.empty()) {
    said_text_ += ' ';
    ++base;
  }
  said_text_.append(text);
  for_each_word(text, [&](std::size_t end) { said_words_.push_back(base + end); });
  auto length = std::chrono::duration_cast<clock::duration>(
      std::chrono::duration<double>(static_cast<double>(text.size()) / chars_per_second_));
  estimated_end_ = std::max(estimated_end_, now) + length;
}

void playout_tracker::interim(std::string_view text) {
  if (!expecting_) return;
  voice_seen_ = true;
  voiced_interim_words_ = count_words(text);
}

void playout_tracker::final_transcript(std::string_view text) {
  if (!expecting_) return;
  voice_seen_ = true;
  voiced_final_words_ += count_words(text);
  voiced_interim_words_ = 0;
}

std::size_t playout_tracker::heard_words(clock::time_point now) const {
  if (said_words_.empty()) return 0;
  if (voice_seen_) return std::min(said_words_.size(), voiced_final_words_ + voiced_interim_words_);
  // No voice came back: assume it plays at the estimated rate.
  if (now >= estimated_end_) return said_words_.size();
  auto chars = std::chrono::duration<double>(now - started_).count() * chars_per_second_;
  auto words = std::upper_bound(said_words_.begin(), said_words_.end(), static_cast<std::size_t>(chars));
  return static_cast<std::size_t>(words - said_words_.begin());
}

bool playout_tracker::played(clock::time_point now) const {
  if (said_words_.empty()) return now >= estimated_end_;
  if (now >= deadline()) return true;
  return voice_seen_ && voiced_final_words_ >= said_words_.size();
}

playout_tracker::clock::time_point playout_tracker::deadline() const {
  return voice_seen_ ? estimated_end_ + grace_ : estimated_end_;
}

std::string playout_tracker::heard(clock::time_point now) const {
  auto n = heard_words(now);
  if (n == 0) return {};
  return said_text_.substr(0, said_words_[n - 1]);
}

void playout_tracker::reset() {
  said_text_.clear();
  said_words_.clear();
  estimated_end_ = started_ = {};
  voiced_final_words_ = voiced_interim_words_ = 0;
  voice_seen_ = false;
  expecting_ = false;
}

}  // namespace parley
