#pragma once
// Cuts a stream of LLM text deltas into pieces for text-to-speech, so the first words can be
// spoken while the model is still writing the rest. A piece is a sentence, or, at the start of
// a turn, a first clause. A piece is emitted as soon as it can be decided, at the latest when
// the next word starts, and the pieces are the same however the text is cut into deltas.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace parley {

class sentence_splitter {
 public:
  struct options {
    // Sentences shorter than this many characters are held and joined with the next one
    // ("Yes." alone makes a choppy utterance).
    std::size_t min_chars = 1;
    // Until the first piece of a turn is out, a piece may also end at a comma, colon,
    // semicolon or dash once it is this many characters long: the caller hears the answer
    // start sooner. 0 turns this off.
    std::size_t first_clause_min_chars = 24;
    // No piece is longer than this many bytes (VoIPBIN /say takes at most 5000); text that
    // runs longer without a boundary is cut at the last space before the limit, or else
    // between two UTF-8 characters. 0 means no limit; other values are raised to at least 4.
    std::size_t max_bytes = 5000;
  };

  explicit sentence_splitter(std::size_t min_chars = 1);
  explicit sentence_splitter(const options& opts);

  // Appends a delta; returns the pieces it completed, trimmed, in order.
  std::vector<std::string> feed(std::string_view delta);
  // The rest of the text once the stream has ended (empty if only whitespace is left), then
  // starts a new turn.
  std::string finish();
  // Drops any pending text and starts a new turn (the first clause may go early again).
  void reset();

 private:
  void emit(std::vector<std::string>& out, std::size_t start, std::size_t end);

  std::size_t min_chars_;
  std::size_t first_clause_min_chars_;
  std::size_t max_bytes_;  // 0: no limit
  std::string buffer_;     // starts where the next piece starts
  std::size_t pos_ = 0;    // next index of buffer_ to examine
  bool emitted_ = false;   // a piece went out this turn
};

}  // namespace parley
