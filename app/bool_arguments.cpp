#include "app/bool_arguments.hpp"

#include <string>
#include <string_view>

namespace parley {

namespace {

struct bool_option {
  const char* name;
  bool raw_options::*field;
};

constexpr bool_option bool_options[] = {
    {"agent.adopt-on-start", &raw_options::agent_adopt_on_start},
};

}  // namespace

result<std::vector<bool_argument>> take_bool_arguments(std::vector<char*>& args) {
  std::vector<bool_argument> taken;
  std::vector<char*> rest;
  for (char* a : args) {
    std::string_view arg = a ? a : "";
    auto eq = arg.find('=');
    const bool_option* option = nullptr;
    if (arg.rfind("--", 0) == 0 && eq != std::string_view::npos)
      for (const auto& o : bool_options)
        if (arg.substr(2, eq - 2) == o.name) option = &o;
    if (!option) {
      rest.push_back(a);
      continue;
    }
    auto value = arg.substr(eq + 1);
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
      value = value.substr(1, value.size() - 2);
    if (value != "true" && value != "false")
      return fail(std::string(option->name) + ": '" + std::string(value) + "' is not true or false");
    taken.push_back({option->field, value == "true"});
  }
  args = std::move(rest);
  return taken;
}

void apply_bool_arguments(const std::vector<bool_argument>& taken, raw_options& raw) {
  for (const auto& t : taken) raw.*(t.field) = t.value;
}

}  // namespace parley
