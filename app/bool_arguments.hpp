#pragma once
// CAF 0.17 takes a bool option on the command line only as a bare flag (`--agent.adopt-on-start`
// sets it) and refuses `--agent.adopt-on-start=false`, which the INI file takes. These give the
// command line the INI's form for parley's bool options (DESIGN §6: every option is read the
// same way everywhere). No CAF here.

#include <vector>

#include "app/settings.hpp"
#include "protocol/result.hpp"

namespace parley {

struct bool_argument {
  bool raw_options::*field;
  bool value;
};

// Takes `--group.name=true` and `--group.name=false` of parley's bool options out of `args`,
// to be applied once CAF has read the rest (the INI file included). The error names the option
// and a value that is neither true nor false.
result<std::vector<bool_argument>> take_bool_arguments(std::vector<char*>& args);

// Sets what take_bool_arguments took, in order: the command line wins over the file.
void apply_bool_arguments(const std::vector<bool_argument>& taken, raw_options& raw);

}  // namespace parley
