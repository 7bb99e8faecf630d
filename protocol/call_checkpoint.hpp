#pragma once
// What another cluster node needs to go on with a call (docs/scaling.md): the conversation as
// the caller heard it and the caller's final transcripts already in it. Stored in Redis by the
// call's owner after each turn; read by the node that adopts the call.

#include <string>
#include <string_view>
#include <vector>

#include "protocol/chat.hpp"
#include "protocol/result.hpp"

namespace parley {

struct call_checkpoint {
  chat_history history;             // without the system prompt: the adopter has its own
  std::vector<std::string> finals;  // transcript ids of the caller's finals in `history`
};

std::string to_json(const call_checkpoint& c);
result<call_checkpoint> parse_call_checkpoint(std::string_view json);

}  // namespace parley
