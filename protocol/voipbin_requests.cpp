#include "protocol/voipbin_requests.hpp"

#include <nlohmann/json.hpp>

namespace parley::voipbin {

namespace {
std::string id_path(std::string_view collection, std::string_view id, std::string_view action) {
  std::string p = "/";
  p += collection;
  p += '/';
  p += id;
  if (!action.empty()) {
    p += '/';
    p += action;
  }
  return p;
}
}  // namespace

rest_request create_transcribe(std::string_view call_id, std::string_view language) {
  nlohmann::json body{
      {"reference_type", "call"}, {"reference_id", call_id}, {"language", language}, {"direction", "both"}};
  return {"POST", "/transcribes", body.dump()};
}

rest_request stop_transcribe(std::string_view id) {
  return {"POST", id_path("transcribes", id, "stop"), ""};
}

rest_request create_speaking(std::string_view call_id, std::string_view language, std::string_view voice_id) {
  nlohmann::json body{
      {"reference_type", "call"}, {"reference_id", call_id}, {"language", language}, {"direction", "both"}};
  if (!voice_id.empty()) body["voice_id"] = voice_id;
  return {"POST", "/speakings", body.dump()};
}

rest_request say(std::string_view id, std::string_view text) {
  // Invalid UTF-8 from a model must not throw here: replace it.
  nlohmann::json body{{"text", text}};
  return {"POST", id_path("speakings", id, "say"),
          body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

rest_request flush_speaking(std::string_view id) {
  return {"POST", id_path("speakings", id, "flush"), ""};
}
rest_request stop_speaking(std::string_view id) {
  return {"POST", id_path("speakings", id, "stop"), ""};
}
rest_request hangup_call(std::string_view id) {
  return {"POST", id_path("calls", id, "hangup"), ""};
}

rest_request get_call(std::string_view id) {
  return {"GET", id_path("calls", id, ""), ""};
}

rest_request list_calls() {
  return {"GET", "/calls?page_size=100", ""};
}

rest_request get_transcribe(std::string_view id) {
  return {"GET", id_path("transcribes", id, ""), ""};
}

rest_request list_speakings() {
  return {"GET", "/speakings?page_size=100", ""};
}

rest_request get_speaking(std::string_view id) {
  return {"GET", id_path("speakings", id, ""), ""};
}

rest_request list_transcribes_of(std::string_view call_id) {
  return {"GET", "/transcribes?reference_type=call&reference_id=" + std::string(call_id), ""};
}

}  // namespace parley::voipbin

#include "protocol/voipbin_resources.hpp"

namespace parley::voipbin {

std::string endpoint_label(const rest_request& r) {
  std::string out = r.method + " ";
  std::string_view path = r.path;
  path = path.substr(0, path.find('?'));
  std::size_t i = 0;
  while (i < path.size()) {
    auto next = path.find('/', i + 1);
    auto seg = path.substr(i, next == std::string_view::npos ? std::string_view::npos : next - i);
    out += (seg.size() > 1 && is_uuid(seg.substr(1))) ? std::string("/{id}") : std::string(seg);
    if (next == std::string_view::npos) break;
    i = next;
  }
  return out;
}

}  // namespace parley::voipbin
