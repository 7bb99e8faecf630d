#pragma once
// Cuts a stream of LLM text deltas into sentences, so the first sentence can be spoken
// while the model is still writing the rest.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace parley {

class sentence_splitter {
 public:
  // Sentences shorter than this many characters are held and joined with the next one
  // ("Yes." alone makes a choppy utterance).
  explicit sentence_splitter(std::size_t min_chars = 1) : min_chars_(min_chars) {}

  // Appends a delta; returns the sentences it completed, trimmed, in order.
  std::vector<std::string> feed(std::string_view delta);
  // The rest of the text once the stream has ended (empty if only whitespace is left).
  std::string finish();

 private:
  // If a sentence ends at `i`, the index of its last character; npos if not, or if more
  // text is needed to decide (then *need_more is set).
  std::size_t boundary_at(std::size_t i, bool* need_more) const;

  std::size_t min_chars_;
  std::string buffer_;
  std::size_t pos_ = 0;  // next index of buffer_ to examine
};

}  // namespace parley
