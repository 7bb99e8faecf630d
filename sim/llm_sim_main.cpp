// llm-sim: an OpenAI-compatible chat-completions and Anthropic-compatible messages server
// with scripted replies.

#include <csignal>
#include <cstdio>
#include <thread>

#include "net/http_server.hpp"
#include "net/io_runtime.hpp"
#include "sim/cli.hpp"
#include "sim/llm_sim.hpp"

namespace {

volatile std::sig_atomic_t interrupted = 0;

const char* usage =
    "Usage: llm-sim [options]\n"
    "  --listen=HOST:PORT     address (default 127.0.0.1:18081); the APIs are at /v1/chat/completions\n"
    "                         (OpenAI) and /v1/messages (Anthropic)\n"
    "  --reply=TEXT           a reply; repeat for several: the n-th turn (caller turns and tool\n"
    "                         rounds) gets the n-th; {user} is the caller's words, {tool} the last\n"
    "                         tool result; ending with [[tool NAME JSON]] markers calls those tools\n"
    "  --first-token-ms=MS    delay before the first token (default 150)\n"
    "  --token-ms=MS          delay between tokens (default 20)\n"
    "  --api-key=KEY          require \"Authorization: Bearer KEY\" (OpenAI) or \"x-api-key: KEY\" "
    "(Anthropic)\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace parley;
  auto args =
      sim::parse_cli(argc, argv, {"listen", "reply", "first-token-ms", "token-ms", "api-key"}, {"help"});
  if (!args.error.empty() || args.has("help")) {
    if (!args.error.empty()) std::fprintf(stderr, "llm-sim: %s\n", args.error.c_str());
    std::fputs(usage, stderr);
    return args.error.empty() ? 0 : 2;
  }
  sim::llm_sim_options o;
  if (args.has("reply")) o.replies = args.all("reply");
  o.first_token_delay = std::chrono::milliseconds(std::stoi(args.get("first-token-ms", "150")));
  o.token_delay = std::chrono::milliseconds(std::stoi(args.get("token-ms", "20")));
  o.api_key = args.get("api-key", "");
  auto listen = net::parse_listen_address(args.get("listen", "127.0.0.1:18081"));
  if (!listen) {
    std::fprintf(stderr, "llm-sim: --listen: %s\n", listen.error().message.c_str());
    return 2;
  }
  net::io_runtime io{1};
  sim::llm_sim sim{io.context(), o};
  auto port = sim.start(listen->first, listen->second);
  if (!port) {
    std::fprintf(stderr, "llm-sim: --listen: %s\n", port.error().message.c_str());
    return 2;
  }
  io.start();
  std::printf("llm-sim on http://%s:%u/v1 (%zu scripted replies)\n", listen->first.c_str(), *port,
              o.replies.size());
  std::fflush(stdout);
  std::signal(SIGINT, [](int) { interrupted = 1; });
  std::signal(SIGTERM, [](int) { interrupted = 1; });
  while (!interrupted) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  sim.stop();
  io.stop();
  return 0;
}
