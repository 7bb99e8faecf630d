#pragma once
// The whole parley server: parses the options, wires the layers together (io thread, HTTP
// client, admin server, WebSocket, actor system), runs until SIGINT/SIGTERM and shuts down
// in stages. Returns the process exit code (2 for bad configuration).
//
// To add your own brain behaviour, register it before calling this (see docs/extending.md):
//   parley::brain_registry::global().add("mine", my_brain);
//   return parley::run_parley(argc, argv);

namespace parley {

int run_parley(int argc, char** argv);

}  // namespace parley
