#include "protocol/voipbin_event.hpp"

#include <nlohmann/json.hpp>

#include "protocol/voipbin_json.hpp"

namespace parley::voipbin {

namespace {

using nlohmann::json;

result<event> from_type(std::string type, const json& data) {
  auto prefix = [&](std::string_view p) { return type.rfind(p, 0) == 0; };
  if (type == "transcribe_speech_started")
    return event{event_kind::speech_started, type, speech_from_json(data)};
  if (type == "transcribe_speech_interim")
    return event{event_kind::speech_interim, type, speech_from_json(data)};
  if (type == "transcribe_speech_ended") return event{event_kind::speech_ended, type, speech_from_json(data)};
  if (type == "transcript_created") return event{event_kind::transcript, type, transcript_from_json(data)};
  if (prefix("transcribe_")) return event{event_kind::transcribe, type, transcribe_from_json(data)};
  if (prefix("call_")) return event{event_kind::call, type, call_from_json(data)};
  return fail("unknown event type '" + type + "'");
}

// Bare resource frames carry no type: tell them apart by shape (voipbin-api.md §6.2).
result<event> from_shape(const json& j) {
  if (j.contains("streaming_id")) {
    auto s = speech_from_json(j);
    auto kind = s.has_message ? event_kind::speech_interim : event_kind::speech_unmarked;
    return event{kind, "", std::move(s)};
  }
  if (j.contains("tm_transcript") || (j.contains("transcribe_id") && j.contains("message")))
    return event{event_kind::transcript, "", transcript_from_json(j)};
  if (j.contains("source") || j.contains("destination") || j.contains("hangup_reason"))
    return event{event_kind::call, "", call_from_json(j)};
  if (j.contains("reference_type") && j.contains("status")) {
    auto status = j["status"];
    if (status == "progressing" || status == "done")
      return event{event_kind::transcribe, "", transcribe_from_json(j)};
    return fail("resource with reference_type and status '" + status.dump() + "' is not a transcribe");
  }
  return fail("frame has no recognisable resource shape");
}

}  // namespace

result<event> classify_frame(std::string_view frame) {
  auto j = json::parse(frame, nullptr, false);
  if (j.is_discarded()) return fail("frame is not valid JSON");
  if (!j.is_object()) return fail("frame is not a JSON object");
  // A bare Call has its own string `type` (flow, conference…): only type+object data is legacy.
  auto type = j.find("type");
  auto data = j.find("data");
  result<event> ev = (type != j.end() && type->is_string() && data != j.end() && data->is_object())
                         ? from_type(type->get<std::string>(), *data)
                         : from_shape(j);
  if (!ev) return ev;
  auto id = std::visit([](const auto& r) { return r.id; }, ev->resource);
  if (!is_uuid(id)) return fail("event id is missing or not a UUID");
  return ev;
}

std::string_view to_string(event_kind kind) {
  switch (kind) {
    case event_kind::call:
      return "call";
    case event_kind::transcribe:
      return "transcribe";
    case event_kind::transcript:
      return "transcript";
    case event_kind::speech_started:
      return "speech_started";
    case event_kind::speech_interim:
      return "speech_interim";
    case event_kind::speech_ended:
      return "speech_ended";
    case event_kind::speech_unmarked:
      return "speech";
  }
  return "unknown";
}

}  // namespace parley::voipbin
