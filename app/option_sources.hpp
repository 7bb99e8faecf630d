#pragma once
// Where options come from, lowest first: defaults, --config-file files (in the order given),
// the environment (PARLEY_<GROUP>_<KEY>, and the older VOIPBIN_ACCESSKEY,
// VOIPBIN_WEBHOOK_SECRET and LLM_API_KEY), then --group.key=value on the command line.
// Every source goes through option_table, so a value reads the same wherever it is given.

#include <string>
#include <vector>

#include "app/settings.hpp"
#include "protocol/result.hpp"

namespace parley {

struct option_request {
  raw_options raw;
  bool help = false;         // --help: print help_text() and exit 0
  bool dump_config = false;  // --dump-config: validate, print effective_config() and exit 0
};

// Reads the arguments (without argv[0] and a subcommand's own words), the files they name and
// the environment. An error is one line per problem, each "<option or file>: <what is wrong>".
result<option_request> read_options(const std::vector<std::string>& args);

// Every option with its kind, meaning and default, grouped as in an INI file.
std::string help_text();

// The effective value of every option, as an INI file: computed defaults filled in (the
// provider's llm.base-url), secrets only as <set> or <unset>.
std::string effective_config(const raw_options& raw);

}  // namespace parley
