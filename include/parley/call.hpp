#pragma once
// What a behaviour knows about the call it serves. Part of the extension API.

#include <string>

namespace parley::plugin {

struct call_info {
  std::string call_id;      // VoIPBIN's call id
  std::string profile;      // the agent profile serving it ("default" for the top-level options)
  std::string source;       // the calling address's target (e.g. +15550100), when VoIPBIN sent it
  std::string destination;  // the called address's target, when VoIPBIN sent it
  std::string language;     // agent.language of the profile, e.g. en-US
};

}  // namespace parley::plugin
