#include "protocol/call_profiles.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace parley::profiles {

namespace {

bool has(const std::vector<std::string>& list, const std::string& item) {
  return !item.empty() && std::find(list.begin(), list.end(), item) != list.end();
}

bool variable_hit(const rule& r, const call_facts& call) {
  for (const auto& v : r.variables)
    if (auto it = call.variables.find(v.name); it != call.variables.end() && it->second == v.value)
      return true;
  return false;
}

}  // namespace

std::optional<std::size_t> select(const std::vector<rule>& rules, const call_facts& call) {
  for (std::size_t i = 0; i < rules.size(); ++i)
    if (has(rules[i].destinations, call.destination)) return i;
  for (std::size_t i = 0; i < rules.size(); ++i)
    if (variable_hit(rules[i], call)) return i;
  for (std::size_t i = 0; i < rules.size(); ++i)
    if (has(rules[i].sources, call.source)) return i;
  return std::nullopt;
}

bool variables_matter(const std::vector<rule>& rules, const call_facts& call) {
  bool any_variable_rule = false;
  for (const auto& r : rules) {
    if (has(r.destinations, call.destination)) return false;
    any_variable_rule = any_variable_rule || !r.variables.empty();
  }
  return any_variable_rule;
}

result<variable_match> parse_variable_match(std::string_view text) {
  auto eq = text.find('=');
  if (eq == std::string_view::npos) return fail("'" + std::string(text) + "' is not name=value");
  auto name = text.substr(0, eq);
  if (name.empty()) return fail("'" + std::string(text) + "' has no variable name before '='");
  if (name.find_first_of(" \t") != std::string_view::npos)
    return fail("'" + std::string(name) + "' is not a variable name (blanks)");
  return variable_match{std::string(name), std::string(text.substr(eq + 1))};
}

std::optional<std::string> check_target(std::string_view target) {
  if (target.empty()) return std::string("an empty number");
  if (target.find_first_of(" \t\r\n") != std::string_view::npos)
    return "'" + std::string(target) + "' has blanks (write numbers as VoIPBIN sends them, e.g. +15550199)";
  return std::nullopt;
}

bool is_call_variables(std::string_view body) {
  return body.find("\"call_variables\"") != std::string_view::npos;
}

result<call_variables> parse_call_variables(std::string_view body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail("call_variables: not a JSON object");
  auto type = j.find("type");
  if (type == j.end() || !type->is_string() || *type != "call_variables")
    return fail("call_variables: wrong type");
  auto data = j.find("data");
  if (data == j.end() || !data->is_object()) return fail("call_variables: no data object");
  call_variables out;
  auto id = data->find("call_id");
  if (id == data->end() || !id->is_string() || id->get<std::string>().empty())
    return fail("call_variables: no call_id");
  out.call_id = id->get<std::string>();
  auto vars = data->find("variables");
  if (vars == data->end() || !vars->is_object()) return fail("call_variables: no variables object");
  if (vars->size() > 64) return fail("call_variables: more than 64 variables");
  for (const auto& [name, value] : vars->items()) {
    if (!value.is_string()) return fail("call_variables: variable '" + name + "' is not a text");
    if (name.size() > 256 || value.get<std::string>().size() > 1024)
      return fail("call_variables: variable '" + name.substr(0, 64) + "' is too long");
    out.variables[name] = value.get<std::string>();
  }
  return out;
}

}  // namespace parley::profiles
