#pragma once
// What the caller has heard of the agent's current reply (DESIGN §4). VoIPBIN sends no
// playout events (voipbin-api.md §9.1), but with transcription `direction: both` the agent's
// own voice comes back as `out` speech events and transcripts: their words, counted against
// the words VoIPBIN accepted for /say, tell how far playout has got. When no `out` event
// comes, an estimate from the text length stands in.

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace parley {

class playout_tracker {
 public:
  using clock = std::chrono::steady_clock;

  // `chars_per_second`: the speaking rate assumed by the estimate. `grace`: how long past
  // the estimated end the `out` transcripts may lag before the reply counts as played anyway
  // (speech recognition can drop words).
  playout_tracker() : playout_tracker(14) {}
  explicit playout_tracker(double chars_per_second, clock::duration grace = std::chrono::seconds(2));

  // A /say of this reply is on its way: its voice may come back before VoIPBIN's answer does.
  void expect() { expecting_ = true; }
  // VoIPBIN accepted `text` for /say: it plays after what was accepted before.
  void said(std::string_view text, clock::time_point now);
  // The agent's own voice came back: an interim (words so far of the current utterance) or a
  // final transcript of one utterance. Ignored while nothing of this reply was sent, so the
  // tail of a reply that was cut off does not count for the next one.
  void interim(std::string_view text);
  void final_transcript(std::string_view text);

  // Everything accepted so far has been played.
  bool played(clock::time_point now) const;
  // When `played` turns true at the latest if no more voice comes back.
  clock::time_point deadline() const;
  // The part of the accepted text the caller has heard, cut at a word boundary.
  std::string heard(clock::time_point now) const;
  // The accepted text, all of it.
  const std::string& said_text() const { return said_text_; }
  bool empty() const { return said_words_.empty(); }
  // A new reply starts: forget the old one.
  void reset();

  // Words as the tracker counts them, what of `text` follows its first `n` words, and those words.
  static std::size_t count_words(std::string_view text);
  static std::string after_words(std::string_view text, std::size_t n);
  static std::string first_words(std::string_view text, std::size_t n);

 private:
  std::size_t heard_words(clock::time_point now) const;

  double chars_per_second_;
  clock::duration grace_;
  std::string said_text_;
  std::vector<std::size_t> said_words_;  // end offset in said_text_ of each word
  clock::time_point started_{};          // when the first text began playing
  clock::time_point estimated_end_{};
  std::size_t voiced_final_words_ = 0;
  std::size_t voiced_interim_words_ = 0;
  bool voice_seen_ = false;
  bool expecting_ = false;
};

}  // namespace parley
