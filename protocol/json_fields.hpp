#pragma once
// Reading fields of JSON that came from elsewhere (an LLM, a simulator's client) without
// throwing: nlohmann's value() and get() throw on a missing key or a wrong type.

#include <nlohmann/json.hpp>
#include <string>

namespace parley {

// The string at `key` of an object; empty when `object` is not an object, or the key is absent
// or not a string.
inline std::string string_at(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

}  // namespace parley
