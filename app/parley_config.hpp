#pragma once
// parley's options on CAF's config system: INI file (--config-file), --group.name=value on
// the command line, and `parley --help`. The names are the public interface.

#include <caf/actor_system_config.hpp>

#include "app/settings.hpp"

namespace parley {

class parley_config : public caf::actor_system_config {
 public:
  parley_config();
  raw_options raw;
  // Every parley option with its type, description and default.
  std::string help_text() const;
  // The effective value of every parley option (defaults included), as INI, after the file,
  // the command line and the environment; secrets only as <set> or <unset>.
  std::string effective_config() const;
  // Copies CAF's parsed [scheduler] values into `raw` for validation.
  void read_scheduler();
  // The command line with string values CAF would refuse or mangle made plain: an empty value
  // (`--agent.greeting=`, "empty = none") becomes "", and single quotes become double quotes
  // (CAF would keep them as part of the text).
  std::vector<std::string> normalize_arguments(const std::vector<char*>& args) const;
};

bool wants_help(int argc, char** argv);
// Removes --dump-config from the arguments (CAF's own would print secrets); true if present.
bool take_dump_config(std::vector<char*>& args);

}  // namespace parley
