#pragma once
// JSON <-> resource conversion shared by the protocol parsers and the simulator.
// Lenient on input: a missing or mistyped field reads as empty.

#include <nlohmann/json_fwd.hpp>

#include "protocol/voipbin_resources.hpp"

namespace parley::voipbin {

call call_from_json(const nlohmann::json& j);
transcribe transcribe_from_json(const nlohmann::json& j);
transcript transcript_from_json(const nlohmann::json& j);
speech speech_from_json(const nlohmann::json& j);
speaking speaking_from_json(const nlohmann::json& j);

}  // namespace parley::voipbin
