#include "protocol/voipbin_json.hpp"

#include <nlohmann/json.hpp>

namespace parley::voipbin {

namespace {

std::string str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return (it != j.end() && it->is_string()) ? it->get<std::string>() : std::string{};
}

}  // namespace

// The `target` of an address object such as the call's "source": {"type":"tel","target":"+1…"}.
std::string target_of(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return (it != j.end() && it->is_object()) ? str(*it, "target") : std::string{};
}

call call_from_json(const nlohmann::json& j) {
  return call{str(j, "id"),
              str(j, "customer_id"),
              str(j, "status"),
              str(j, "direction"),
              str(j, "hangup_reason"),
              target_of(j, "source"),
              target_of(j, "destination")};
}

transcribe transcribe_from_json(const nlohmann::json& j) {
  return transcribe{str(j, "id"),     str(j, "customer_id"), str(j, "reference_type"), str(j, "reference_id"),
                    str(j, "status"), str(j, "language"),    str(j, "direction")};
}

transcript transcript_from_json(const nlohmann::json& j) {
  return transcript{str(j, "id"),      str(j, "customer_id"),   str(j, "transcribe_id"), str(j, "direction"),
                    str(j, "message"), str(j, "tm_transcript"), str(j, "tm_create")};
}

speech speech_from_json(const nlohmann::json& j) {
  speech s{str(j, "id"),
           str(j, "customer_id"),
           str(j, "transcribe_id"),
           str(j, "streaming_id"),
           str(j, "direction"),
           str(j, "message"),
           false};
  s.has_message = j.contains("message");
  return s;
}

speaking speaking_from_json(const nlohmann::json& j) {
  return speaking{str(j, "id"), str(j, "customer_id"), str(j, "reference_type"), str(j, "reference_id"),
                  str(j, "status")};
}

}  // namespace parley::voipbin
