#pragma once
// Which agent profile answers a call (docs/configuration.md#profiles): pure rules, no I/O.
//
// A profile matches a call by the number called (`destination`), a call variable
// (`name=value`) or the number calling (`source`). When several match, the kinds are tried
// in that order (destination, then variable, then source), and within a kind the profile
// given first in the configuration wins. No match: the default profile (the top-level options).

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/result.hpp"

namespace parley::profiles {

struct variable_match {
  std::string name;
  std::string value;
  bool operator==(const variable_match&) const = default;
};

struct rule {
  std::vector<std::string> destinations;  // call destination targets, e.g. "+15550199"
  std::vector<variable_match> variables;  // any one of them
  std::vector<std::string> sources;       // call source targets
  bool empty() const { return destinations.empty() && variables.empty() && sources.empty(); }
};

// What parley knows of a call when it admits it.
struct call_facts {
  std::string source;                            // source.target of the call resource
  std::string destination;                       // destination.target
  std::map<std::string, std::string> variables;  // from a call_variables webhook, if one came
  // Placed by parley (POST /v1/calls): the profile it names, which wins over every rule
  // ("default" or empty: the default profile).
  bool outbound = false;
  std::string profile = {};
};

// The index in `rules` of the profile that answers the call, or nothing for the default.
std::optional<std::size_t> select(const std::vector<rule>& rules, const call_facts& call);

// True when the outcome could change once the call's variables are known: no destination rule
// matches and some rule matches by variable.
bool variables_matter(const std::vector<rule>& rules, const call_facts& call);

// "name=value" (name non-empty; the value may be empty and hold '='), or what is wrong.
result<variable_match> parse_variable_match(std::string_view text);

// A number or address as written in a rule: not empty, no blanks. Returns what is wrong.
std::optional<std::string> check_target(std::string_view target);

// The body of a call_variables webhook: {"type":"call_variables","data":{"call_id":"…",
// "variables":{"name":"value",…}}}. Values that are not strings are refused.
struct call_variables {
  std::string call_id;
  std::map<std::string, std::string> variables;
};
bool is_call_variables(std::string_view body);  // cheap check of "type" before a full parse
result<call_variables> parse_call_variables(std::string_view body);

}  // namespace parley::profiles
