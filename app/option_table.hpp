#pragma once
// Every parley option, declared once: its name, the raw_options field it fills and what it
// means. --help, --dump-config, the INI file, the environment and the command line all read
// this table, and one set of value rules, so they cannot disagree. No CAF here.

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "app/settings.hpp"

namespace parley {

using option_field =
    std::variant<std::string raw_options::*, double raw_options::*, int32_t raw_options::*,
                 int64_t raw_options::*, bool raw_options::*, std::vector<std::string> raw_options::*>;

struct option_spec {
  std::string_view name;  // "group.key", the public interface
  option_field field;
  std::string_view help;
  bool secret = false;            // never printed; --dump-config shows <set> or <unset>
  std::string_view legacy_env;    // an older environment variable that also sets it
  std::string_view default_text;  // shown instead of the default value, when it is computed
};

const std::vector<option_spec>& option_table();
const option_spec* find_option(std::string_view name);
// The known option closest to a misspelled name (edit distance), or empty when none is close.
std::string closest_option(std::string_view name);
// True for the options a [profiles.NAME] group may set: every llm.* option and the agent.*
// options of one call (prompts, voice, barge-in policy, tools, observers); not the process-wide
// ones (agent.max-calls, drain, adoption, everything outside llm and agent).
bool per_profile(std::string_view name);
// PARLEY_<GROUP>_<KEY>, e.g. PARLEY_AGENT_SILENCE_TIMEOUT for agent.silence-timeout.
std::string environment_name(const option_spec& spec);

// Sets the option from its text, the same way for every source: text may be quoted ("…" with
// backslash escapes, or '…') or bare; whole numbers are decimals too; lists are ["a", "b"] or
// a, b. Returns what is wrong (without the option name), or nothing.
std::optional<std::string> assign_option(raw_options& raw, const option_spec& spec, std::string_view text);
// Reads a list the way list options are read (["a", "b"] or a, b).
std::optional<std::string> parse_list_option(std::string_view text, std::vector<std::string>& out);
// The value as an INI file takes it back.
std::string format_option(const raw_options& raw, const option_spec& spec);
// "text", "decimal", "integer", "true|false" or "list of texts".
std::string_view option_kind(const option_spec& spec);

}  // namespace parley
