#include "app/option_sources.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "app/config_file.hpp"
#include "app/option_table.hpp"

namespace parley {

namespace {

std::string unknown(const std::string& name) {
  auto guess = closest_option(name);
  return name + ": unknown option" + (guess.empty() ? "" : "; did you mean " + guess + "?") +
         " (parley --help lists them)";
}

// Sets an option; a secret's value never appears in the error.
std::optional<std::string> assign(raw_options& raw, const option_spec& spec, std::string_view text) {
  auto err = assign_option(raw, spec, text);
  if (err && spec.secret)
    return std::string("malformed (a quote is not closed or text follows it; not shown)");
  return err;
}

// PARLEY_* variables that start like one of parley's groups are meant as options: a typo
// there is refused like one in a file. Others (PARLEY_SOMETHING_ELSE) are not parley's.
std::optional<std::string> unknown_environment() {
  for (char** e = environ; e && *e; ++e) {
    std::string_view var(*e);
    auto name = var.substr(0, var.find('='));
    if (name.rfind("PARLEY_", 0) != 0) continue;
    if (name.rfind("PARLEY_PROFILES_", 0) == 0)
      return std::string(name) +
             ": profiles cannot come from the environment; give them in a config file or as "
             "--profiles.NAME.<option>=value";
    bool known = false, group_like = false;
    for (const auto& spec : option_table()) {
      auto env = environment_name(spec);
      known = known || env == name;
      auto group = env.substr(0, env.find('_', 7) + 1);  // PARLEY_AGENT_
      group_like = group_like || name.rfind(group, 0) == 0;
    }
    if (known || !group_like) continue;
    std::string guess;  // PARLEY_AGENT_SILENCE_TIMOUT -> agent.silence-timout
    for (size_t i = 7; i < name.size(); ++i)
      guess += name[i] == '_' ? (guess.find('.') == std::string::npos ? '.' : '-')
                              : static_cast<char>(std::tolower(name[i]));
    auto close = closest_option(guess);
    return std::string(name) + ": names no option" + (close.empty() ? "" : "; did you mean " + close + "?") +
           " (parley --help lists them)";
  }
  return std::nullopt;
}

bool profile_name_ok(const std::string& name) {
  return !name.empty() && name != "default" && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

// profiles.NAME.<option> or profiles.NAME.match.<kind> (docs/configuration.md#profiles), from a
// file or the command line. The value is checked as the option takes it and kept as text: the
// profile's options are the top-level ones with these applied (settings.cpp).
std::optional<std::string> set_profile(raw_options& raw, const std::string& name, const std::string& value) {
  auto rest = name.substr(std::string_view("profiles.").size());
  auto dot = rest.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == rest.size())
    return name +
           ": a profile's option is profiles.NAME.<option> ([profiles.NAME] in a file, then e.g. "
           "llm.model=...)";
  auto profile = rest.substr(0, dot), option = rest.substr(dot + 1);
  if (!profile_name_ok(profile))
    return name + ": '" + profile + "' is not a profile name (letters, digits, - and _; not 'default')";
  auto it = std::find_if(raw.profiles.begin(), raw.profiles.end(),
                         [&](const auto& p) { return p.name == profile; });
  if (it == raw.profiles.end())
    it = raw.profiles.insert(raw.profiles.end(), raw_profile{profile, {}, {}, {}, {}});
  if (option.rfind("match.", 0) == 0) {
    auto kind = option.substr(6);
    auto* list = kind == "destination" ? &it->match_destination
                 : kind == "source"    ? &it->match_source
                 : kind == "variable"  ? &it->match_variable
                                       : nullptr;
    if (!list) return name + ": unknown match rule (match.destination, match.source or match.variable)";
    if (auto err = parse_list_option(value, *list)) return name + ": " + *err;
    return std::nullopt;
  }
  auto spec = find_option(option);
  if (!spec) {
    auto guess = closest_option(option);
    return name + ": unknown option" +
           (guess.empty() ? "" : "; did you mean profiles." + profile + "." + guess + "?") +
           " (parley --help lists them)";
  }
  if (!per_profile(option))
    return name + ": " + option +
           " cannot be set per profile (it is one for the whole process; set it at the top level)";
  raw_options scratch;
  if (auto err = assign(scratch, *spec, value)) return name + ": " + *err;
  it->overrides.push_back({option, value});
  return std::nullopt;
}

bool is_profile_option(const std::string& name) {
  return name.rfind("profiles.", 0) == 0;
}

struct assignment {
  std::string name;
  std::string value;
};

}  // namespace

result<option_request> read_options(const std::vector<std::string>& args) {
  option_request request;
  std::vector<std::string> files;
  std::vector<assignment> command_line;
  for (const auto& arg : args) {
    if (arg == "-h" || arg == "-?" || arg == "--help" || arg == "--long-help") {
      request.help = true;
    } else if (arg == "--dump-config") {
      request.dump_config = true;
    } else if (arg.rfind("--config-file", 0) == 0) {
      if (arg.size() <= 14 || arg[13] != '=') return fail("config-file: give the file as --config-file=FILE");
      files.push_back(arg.substr(14));
    } else if (arg.rfind("--", 0) == 0 && arg.size() > 2) {
      auto eq = arg.find('=');
      auto name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
      if (is_profile_option(name)) {
        if (eq == std::string::npos) return fail(name + ": needs a value: --" + name + "=VALUE");
        command_line.push_back({name, arg.substr(eq + 1)});
        continue;
      }
      auto spec = find_option(name);
      if (!spec) return fail(unknown(name));
      if (eq == std::string::npos && !std::holds_alternative<bool raw_options::*>(spec->field))
        return fail(name + ": needs a value: --" + name + "=VALUE (\"\" for empty)");
      command_line.push_back({name, eq == std::string::npos ? "true" : arg.substr(eq + 1)});
    } else {
      return fail(arg + ": unexpected argument (options are --group.key=value; see parley --help)");
    }
  }
  if (request.help) return request;

  auto& raw = request.raw;
  for (const auto& path : files) {
    auto entries = read_config_file(path);
    if (!entries) return fail(path + ": " + entries.error().message);
    for (const auto& e : *entries) {
      auto where = path + ": line " + std::to_string(e.line) + ": ";
      if (is_profile_option(e.name)) {
        if (auto err = set_profile(raw, e.name, e.value)) return fail(where + *err);
        continue;
      }
      auto spec = find_option(e.name);
      if (!spec) return fail(where + unknown(e.name));
      if (auto err = assign(raw, *spec, e.value)) return fail(where + e.name + ": " + *err);
    }
  }
  if (auto err = unknown_environment()) return fail(*err);
  for (const auto& spec : option_table()) {
    for (auto env : {std::string(spec.legacy_env), environment_name(spec)}) {
      const char* value = env.empty() ? nullptr : std::getenv(env.c_str());
      if (!value) continue;
      if (auto err = assign(raw, spec, value))
        return fail(std::string(spec.name) + " (from " + env + "): " + *err);
    }
  }
  for (const auto& a : command_line) {
    if (is_profile_option(a.name)) {
      if (auto err = set_profile(raw, a.name, a.value)) return fail(*err);
      continue;
    }
    if (auto err = assign(raw, *find_option(a.name), a.value)) return fail(a.name + ": " + *err);
  }
  return request;
}

std::string help_text() {
  std::string out =
      "Usage: parley [--config-file=FILE ...] [--group.key=value ...]\n"
      "       parley --dump-config [options]   check the options, print the effective ones, exit\n"
      "       parley --help                    print this text to standard output, exit\n"
      "       parley webhook register --url=URL [--method=POST] [options]\n"
      "         points the customer's VoIPBIN webhook at URL (GET then PUT /customer)\n\n"
      "Each option below is read, lowest first, from: its default; the --config-file files in the\n"
      "order given (key=value under [group]); the environment as PARLEY_GROUP_KEY (e.g.\n"
      "PARLEY_AGENT_SILENCE_TIMEOUT); the command line as --group.key=value.\n"
      "Texts may be quoted (\"...\" or '...'); lists are [\"a\", \"b\"] or a, b.\n"
      "Agent profiles: [profiles.NAME] groups in a file (or --profiles.NAME.<option>=value) set\n"
      "llm.* and per-call agent.* options for the calls they match (match.destination,\n"
      "match.variable, match.source); see docs/configuration.md#profiles.\n"
      "Exit codes: 0 done, 1 stopped by force or failed, 2 bad configuration.\n";
  raw_options defaults;
  std::string group;
  for (const auto& spec : option_table()) {
    auto dot = spec.name.rfind('.');  // [llm.fallback] model
    auto g = std::string(spec.name.substr(0, dot));
    if (g != group) out += "\n[" + (group = g) + "]\n";
    std::string line = "  --" + std::string(spec.name) + "=<" + std::string(option_kind(spec)) + ">";
    line += std::string(line.size() < 46 ? 46 - line.size() : 1, ' ');
    line += std::string(spec.help);
    if (!spec.default_text.empty())
      line += " (default: " + std::string(spec.default_text) + ")";
    else if (!spec.secret)
      line += " (default: " + format_option(defaults, spec) + ")";
    if (!spec.legacy_env.empty()) line += " (or " + std::string(spec.legacy_env) + ")";
    out += line + "\n";
  }
  return out;
}

std::string effective_config(const raw_options& given) {
  auto raw = with_computed_defaults(given);
  std::string out, group;
  for (const auto& spec : option_table()) {
    auto dot = spec.name.rfind('.');  // [llm.fallback] model
    auto g = std::string(spec.name.substr(0, dot));
    if (g != group) out += (out.empty() ? "[" : "\n[") + (group = g) + "]\n";
    auto key = std::string(spec.name.substr(dot + 1));
    if (spec.secret) {
      bool set = !(raw.*std::get<std::string raw_options::*>(spec.field)).empty();
      out += key + "=" + (set ? "<set>" : "<unset>") + "\n";
    } else {
      out += key + "=" + format_option(raw, spec) + "\n";
    }
  }
  // Each profile: its match rules and the options it overrides (the rest are the above).
  for (const auto& p : raw.profiles) {
    out += "\n[profiles." + p.name + "]\n";
    auto list = [](const std::vector<std::string>& items) {
      raw_options scratch;
      scratch.agent_tools = items;
      return format_option(scratch, *find_option("agent.tools"));
    };
    if (!p.match_destination.empty()) out += "match.destination=" + list(p.match_destination) + "\n";
    if (!p.match_variable.empty()) out += "match.variable=" + list(p.match_variable) + "\n";
    if (!p.match_source.empty()) out += "match.source=" + list(p.match_source) + "\n";
    std::vector<std::string> shown;  // each option once, with its last value
    for (auto o = p.overrides.rbegin(); o != p.overrides.rend(); ++o)
      if (std::find(shown.begin(), shown.end(), o->option) == shown.end()) shown.push_back(o->option);
    for (const auto& spec : option_table()) {
      if (std::find(shown.begin(), shown.end(), spec.name) == shown.end()) continue;
      raw_options scratch;
      for (const auto& o : p.overrides)
        if (o.option == spec.name) assign_option(scratch, spec, o.value);
      if (spec.secret) {
        bool set = !(scratch.*std::get<std::string raw_options::*>(spec.field)).empty();
        out += std::string(spec.name) + "=" + (set ? "<set>" : "<unset>") + "\n";
      } else {
        out += std::string(spec.name) + "=" + format_option(scratch, spec) + "\n";
      }
    }
  }
  return out;
}

}  // namespace parley
