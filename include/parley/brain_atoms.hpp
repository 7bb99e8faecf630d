#pragma once
// The message tags of the brain protocol (parley/actor_brain.hpp), as CAF 0.17 atoms. parley's
// own actors use these same definitions. Part of the extension API.

#include <caf/atom.hpp>

namespace parley::atoms {

#define PARLEY_BRAIN_ATOM(name, text)               \
  using name = caf::atom_constant<caf::atom(text)>; \
  inline constexpr name name##_v = name {}

// supervisor -> brain
PARLEY_BRAIN_ATOM(think, "think");
PARLEY_BRAIN_ATOM(cancel, "cancel");
// brain -> supervisor
PARLEY_BRAIN_ATOM(first_token, "first_tok");
PARLEY_BRAIN_ATOM(sentence, "sentence");
PARLEY_BRAIN_ATOM(reply, "reply");
PARLEY_BRAIN_ATOM(reply_error, "reply_err");
PARLEY_BRAIN_ATOM(tool_calls, "tool_calls");
PARLEY_BRAIN_ATOM(llm_written, "llm_wrote");

#undef PARLEY_BRAIN_ATOM

}  // namespace parley::atoms
