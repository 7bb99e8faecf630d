#pragma once
// Decides, where a model's streamed reply is read, when its bytes are worth a message to the
// brain. A model writes a token at a time, and each read became a message: a worker woken,
// parsing, nothing to say yet. Most tokens cannot complete a sentence, so they wait and go with
// the next one that can. What goes at once: the first token (the turn's first-token clock and
// the fallback's deadline watch it), text holding a possible boundary (. ! ? , ; : - or a
// newline) and the text after it up to the next word (the sentence splitter decides there),
// the end of the reply, anything malformed, and whatever has waited for more than 2 KiB. So
// the sentences reach the brain when they would have, in fewer, larger pieces.

#include <cstddef>
#include <string_view>

#include "protocol/chat.hpp"
#include "protocol/result.hpp"
#include "protocol/sse_parser.hpp"

namespace parley {

class reply_gate {
 public:
  using parse_fn = result<reply_delta> (*)(const sse_event&);
  explicit reply_gate(parse_fn parse) : parse_(parse) {}

  // The next bytes of the body; true when they and all held before should be delivered now.
  bool feed(std::string_view bytes);

 private:
  parse_fn parse_;
  sse_parser sse_;
  std::size_t held_ = 0;     // bytes fed since the last delivery
  bool seen_token_ = false;  // text or a tool call came
  bool deciding_ = false;    // text ended with a boundary and no word after it yet
};

}  // namespace parley
