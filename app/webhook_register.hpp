#pragma once
// `parley webhook register --url=URL [--method=POST]`: points the customer's VoIPBIN webhook
// at URL with GET then PUT /customer, keeping the other five fields as they are (PUT replaces
// all seven: voipbin-api.md §4.4).

#include <string>
#include <vector>

namespace parley {

struct settings;

struct webhook_command {
  bool present = false;  // argv started with "webhook register"
  std::string url;
  std::string method = "POST";
  std::string error;        // set when the command line is wrong
  std::vector<char*> rest;  // argv without the command's own words, for the option parser
};

// Recognises "parley webhook register ..." and takes out its own arguments.
webhook_command parse_webhook_command(int argc, char** argv);

// Runs it; returns the exit code (0 done, 1 VoIPBIN refused or failed).
int register_webhook(const settings& s, const webhook_command& cmd);

}  // namespace parley
