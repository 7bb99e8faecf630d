#include "protocol/voipbin_resources.hpp"

#include <cctype>
#include <nlohmann/json.hpp>

#include "protocol/voipbin_json.hpp"

namespace parley::voipbin {

bool is_uuid(std::string_view t) {
  if (t.size() != 36) return false;
  for (std::size_t i = 0; i < t.size(); ++i) {
    bool dash = (i == 8 || i == 13 || i == 18 || i == 23);
    if (dash ? t[i] != '-' : !std::isxdigit(static_cast<unsigned char>(t[i]))) return false;
  }
  return true;
}

namespace {

template <class T, class F>
result<T> parse_with(std::string_view text, F&& from) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail("response is not a JSON object");
  auto value = from(j);
  if (!is_uuid(value.id)) return fail("response has no valid id");
  return value;
}

}  // namespace

result<speaking> parse_speaking(std::string_view json) {
  return parse_with<speaking>(json, speaking_from_json);
}
result<transcribe> parse_transcribe(std::string_view json) {
  return parse_with<transcribe>(json, transcribe_from_json);
}
result<call> parse_call(std::string_view json) {
  return parse_with<call>(json, call_from_json);
}

namespace {

template <class T, class F>
result<page<T>> parse_page(std::string_view text, F&& from) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail("list response is not a JSON object");
  auto items = j.find("result");
  if (items == j.end() || !items->is_array()) return fail("list response has no result array");
  page<T> out;
  for (const auto& item : *items) {
    if (!item.is_object()) continue;
    auto value = from(item);
    if (is_uuid(value.id)) out.items.push_back(std::move(value));
  }
  if (auto token = j.find("next_page_token"); token != j.end() && token->is_string())
    out.next_page_token = token->get<std::string>();
  return out;
}

}  // namespace

result<page<speaking>> parse_speaking_page(std::string_view json) {
  return parse_page<speaking>(json, speaking_from_json);
}
result<page<transcribe>> parse_transcribe_page(std::string_view json) {
  return parse_page<transcribe>(json, transcribe_from_json);
}
result<page<call>> parse_call_page(std::string_view json) {
  return parse_page<call>(json, call_from_json);
}
result<page<transcript>> parse_transcript_page(std::string_view json) {
  return parse_page<transcript>(json, transcript_from_json);
}

}  // namespace parley::voipbin
