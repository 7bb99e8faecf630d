// parley: AI voice agents on VoIPBIN calls.

#include "app/server.hpp"

int main(int argc, char** argv) {
  return parley::run_parley(argc, argv);
}
