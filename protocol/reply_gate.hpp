#pragma once
// Reads a model's streamed reply where its bytes arrive (the io thread) and decides when it is
// worth a message to the brain. A model writes a token at a time, and each read became a
// message: a worker woken, nothing to say yet. Most tokens cannot complete a sentence, so they
// wait and go with the next one that can. What goes at once: the first token (the turn's
// first-token clock and the fallback's deadline watch it), text holding a possible boundary
// (. ! ? , ; : - or a newline) and the text after it up to the next word (the sentence
// splitter decides there), the end of the reply, anything malformed, and whatever has waited
// for more than 2 KiB. So the sentences reach the brain when they would have, in fewer,
// larger pieces, decoded once: the brain gets the pieces, not the bytes.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/chat.hpp"
#include "protocol/result.hpp"
#include "protocol/sse_parser.hpp"

namespace parley {

// What the gate lets go: the reply's pieces in order, adjacent text merged.
struct reply_pieces {
  std::vector<reply_delta> deltas;
  std::string error;  // the stream or a piece was malformed; nothing follows it
};

class reply_gate {
 public:
  using parse_fn = result<reply_delta> (*)(const sse_event&);
  explicit reply_gate(parse_fn parse) : parse_(parse) {}

  // Decodes the next bytes of the body; true when what is held should be delivered now.
  bool feed(std::string_view bytes);
  // What is held, leaving nothing.
  reply_pieces take();
  bool holding() const { return !held_.deltas.empty() || !held_.error.empty(); }

 private:
  void hold(reply_delta delta);

  parse_fn parse_;
  sse_parser sse_;
  reply_pieces held_;
  std::size_t held_bytes_ = 0;  // bytes fed since the last delivery
  bool over_ = false;           // the end or an error came: the rest is not read
  bool seen_token_ = false;     // text or a tool call came
  bool deciding_ = false;       // text ended with a boundary and no word after it yet
};

}  // namespace parley
