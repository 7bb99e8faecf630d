#pragma once
// Minimal --name=value / --name value / --flag parsing for the simulator programs, and
// voipbin-sim's script file.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "protocol/result.hpp"
#include "sim/voipbin_sim.hpp"

namespace parley::sim {

struct cli_args {
  std::map<std::string, std::vector<std::string>> values;
  std::string error;  // set when the command line is malformed

  bool has(const std::string& name) const { return values.count(name) > 0; }
  std::string get(const std::string& name, const std::string& fallback) const {
    auto it = values.find(name);
    return it == values.end() || it->second.empty() ? fallback : it->second.back();
  }
  // A number option that must be >= 0: `fallback` when absent, nullopt when it is not one.
  std::optional<double> number(const std::string& name, double fallback) const;
  std::vector<std::string> all(const std::string& name) const {
    auto it = values.find(name);
    return it == values.end() ? std::vector<std::string>{} : it->second;
  }
};

// `flags` are the options that take no value.
cli_args parse_cli(int argc, char** argv, const std::vector<std::string>& known,
                   const std::vector<std::string>& flags);

// voipbin-sim's --script: {"calls":[{"utterances":[TURN, ...]}, ...]} where a TURN is a string
// (the caller's words; "" is a noise) or {"text": "...", "interrupt_after_ms": 800} (or
// "follow_after_ms": speak again that long after the previous turn, whatever the agent does).
// A call may also say "confbridge": true (its leg is in a confbridge, so it can be transferred)
// and "transfer_answers": false (nobody answers its transfer).
result<std::vector<scripted_call>> parse_call_script(const std::string& json_text);

}  // namespace parley::sim
