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
result<std::vector<T>> parse_list(std::string_view text, F&& from) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail("list response is not a JSON object");
  auto items = j.find("result");
  if (items == j.end() || !items->is_array()) return fail("list response has no result array");
  std::vector<T> out;
  for (const auto& item : *items) {
    if (!item.is_object()) continue;
    auto value = from(item);
    if (is_uuid(value.id)) out.push_back(std::move(value));
  }
  return out;
}

}  // namespace

result<std::vector<speaking>> parse_speaking_list(std::string_view json) {
  return parse_list<speaking>(json, speaking_from_json);
}
result<std::vector<transcribe>> parse_transcribe_list(std::string_view json) {
  return parse_list<transcribe>(json, transcribe_from_json);
}
result<std::vector<call>> parse_call_list(std::string_view json) {
  return parse_list<call>(json, call_from_json);
}

}  // namespace parley::voipbin
