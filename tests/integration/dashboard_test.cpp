// The admin dashboard in a real browser: parley with an admin token, the page open in Debian's
// chromium (tests/browser/dashboard.mjs, driven by playwright-core), and a call whose caller
// talks over the agent. The page must show it as it happens: the caller's line, the agent's
// line, the barge-in marker, and the metrics. The screenshot lands in the build's artifacts.

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "conversation_fixture.hpp"

using namespace parley;
using namespace parley::test;
using namespace std::chrono_literals;

namespace {

const std::string browser_dir = std::string(PARLEY_SOURCE_DIR) + "/tests/browser";
const std::string chromium = "/usr/bin/chromium";

std::string random_token() {
  std::random_device rd;
  std::ostringstream out;
  for (int i = 0; i < 4; ++i) out << std::hex << rd();
  return out.str();
}

bool has_line(const std::string& output, const std::string& line) {
  std::istringstream in(output);
  for (std::string l; std::getline(in, l);)
    if (l == line) return true;
  return false;
}

}  // namespace

class Dashboard : public Conversation {
 protected:
  void TearDown() override {
    // SIGTERM lets playwright close chromium; SIGKILL (the destructor) would leave it running.
    if (browser && !browser->terminate(10s)) browser->kill();
    if (!token_file.empty()) std::filesystem::remove(token_file);
    Conversation::TearDown();
  }

  std::unique_ptr<child_process> browser;
  std::string token_file;
};

TEST_F(Dashboard, ShowsACallAndTheCallersBargeInAsTheyHappen) {
  // Not skipped when something is missing: the dashboard must be tested in a browser.
  namespace fs = std::filesystem;
  ASSERT_TRUE(fs::exists(NODE_BINARY)) << NODE_BINARY << " not found: run scripts/install-deps.sh";
  ASSERT_TRUE(fs::exists(browser_dir + "/node_modules/playwright-core"))
      << browser_dir << "/node_modules is missing: run scripts/install-deps.sh (it runs npm ci there)";
  ASSERT_TRUE(fs::exists(chromium)) << chromium << " not found: run scripts/install-deps.sh";

  // The token reaches the browser script through a file only it can read, never a command line.
  auto token = random_token();
  token_file = testing::TempDir() + "parley-dashboard-token-" + std::to_string(::getpid());
  {
    std::ofstream out(token_file);
    out << token;
  }
  ::chmod(token_file.c_str(), 0600);

  // As in TurnTaking: speech plays at a human pace, so the caller's interruption really cuts
  // the reply short.
  sim::llm_sim_options lo;
  lo.replies = {
      "Sure, let me tell you about our menu. We have soups, salads and twelve kinds of pasta. "
      "Every dish is made fresh in our kitchen each morning.",
      "Of course, what would you like to know?"};
  lo.first_token_delay = 50ms;
  lo.token_delay = 10ms;
  start(lo, {"--agent.tts-provider=gcp", "--admin.token=" + token}, 300ms, PARLEY_BINARY,
        [](sim::voipbin_sim_options& o) {
          o.playout_chars_per_second = 40;
          o.word_ms = 120ms;
        });

  fs::create_directories(PARLEY_ARTIFACTS_DIR);
  const std::string screenshot = std::string(PARLEY_ARTIFACTS_DIR) + "/dashboard.png";
  browser = std::make_unique<child_process>(
      NODE_BINARY,
      std::vector<std::string>{browser_dir + "/dashboard.mjs",
                               "--url=http://127.0.0.1:" + std::to_string(admin_port) + "/",
                               "--token-file=" + token_file, "--screenshot=" + screenshot, "--timeout=60"});
  ASSERT_TRUE(eventually([&] { return has_line(browser->output(), "ready") || browser->wait(0ms); }, 60s))
      << browser->output();
  ASSERT_TRUE(has_line(browser->output(), "ready")) << browser->output();

  // The page is open and connected before the call begins: it sees the call live.
  voipbin->place_call({{sim::caller_turn{"Tell me about the menu."},
                        sim::caller_turn{"wait stop I have a question", 1200ms}}});
  auto code = browser->wait(75s);
  EXPECT_EQ(code, std::optional<int>(0)) << "browser:\n"
                                         << browser->output() << "\nparley:\n"
                                         << parley->output();
  EXPECT_EQ(browser->output().find(token), std::string::npos) << "the token was printed";
  EXPECT_TRUE(fs::exists(screenshot));
}
