// Bad configuration stops start-up with exit code 2 and one line naming the option.

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <fstream>
#include <sstream>

#include "process.hpp"

using parley::test::child_process;

namespace {

const std::string customer = "--voipbin.customer-id=8d3e0a5c-6b1f-4c2a-9f7e-0a1b2c3d4e5f";

// Runs parley with `args`; expects exit 2 and a single line that starts with `prefix`.
void expect_refused(std::vector<std::string> args, const std::string& prefix) {
  child_process p(PARLEY_BINARY, args);
  auto rc = p.wait(std::chrono::seconds(10));
  ASSERT_TRUE(rc.has_value()) << "parley did not exit";
  EXPECT_EQ(*rc, 2) << p.output();
  auto out = p.output();
  EXPECT_EQ(out.rfind("parley: " + prefix, 0), 0u) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
}

}  // namespace

TEST(Config, MalformedUrl) {
  expect_refused({"--voipbin.accesskey=k", customer, "--voipbin.api-url=notaurl"}, "voipbin.api-url: ");
}

TEST(Config, MissingAccesskeyAndCustomer) {
  expect_refused({customer}, "voipbin.accesskey: missing");
  expect_refused({"--voipbin.accesskey=k"}, "voipbin.customer-id: missing");
}

TEST(Config, UnknownProvider) {
  expect_refused({"--voipbin.accesskey=k", customer, "--llm.provider=hal9000"},
                 "llm.provider: unknown provider 'hal9000'");
}

TEST(Config, AdminPortInUse) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  expect_refused(
      {"--voipbin.accesskey=k", customer, "--admin.listen=127.0.0.1:" + std::to_string(ntohs(a.sin_port))},
      "admin.listen: ");
  ::close(fd);
}

TEST(Config, IniFileAndEnvironment) {
  auto path = "/tmp/parley-test-" + std::to_string(::getpid()) + ".ini";
  std::ofstream(path) << "[voipbin]\ncustomer-id=\"8d3e0a5c-6b1f-4c2a-9f7e-0a1b2c3d4e5f\"\n"
                      << "api-url=\"gopher://x\"\n";
  ::setenv("VOIPBIN_ACCESSKEY", "from-env", 1);
  // The file's customer id and the environment's access key are read: the URL is what fails.
  expect_refused({"--config-file=" + path}, "voipbin.api-url: ");
  ::unsetenv("VOIPBIN_ACCESSKEY");
  ::unlink(path.c_str());
}

TEST(Config, HelpListsEveryOption) {
  child_process p(PARLEY_BINARY, {"--help"});
  ASSERT_EQ(p.wait(std::chrono::seconds(10)), 0);
  auto out = p.output();
  for (const char* name : {"voipbin.api-url",
                           "voipbin.ws-url",
                           "voipbin.accesskey",
                           "voipbin.customer-id",
                           "events.mode",
                           "webhook.listen",
                           "webhook.path",
                           "webhook.secret",
                           "llm.provider",
                           "llm.base-url",
                           "llm.api-key",
                           "llm.model",
                           "llm.max-tokens",
                           "llm.temperature",
                           "llm.timeout",
                           "agent.system-prompt",
                           "agent.greeting",
                           "agent.language",
                           "agent.voice-id",
                           "agent.silence-timeout",
                           "agent.silence-prompt",
                           "agent.silence-max-prompts",
                           "agent.goodbye",
                           "agent.error-prompt",
                           "agent.max-calls",
                           "agent.barge-in",
                           "agent.barge-in-min-words",
                           "agent.backchannels",
                           "agent.false-interruption-timeout",
                           "agent.barge-in-action",
                           "agent.tts-provider",
                           "agent.drain-timeout",
                           "agent.drain-message",
                           "agent.drain-action",
                           "admin.listen",
                           "log.level",
                           "log.format",
                           "scheduler.policy",
                           "scheduler.max-threads"})
    EXPECT_NE(out.find(std::string("--") + name + "="), std::string::npos) << name;
  EXPECT_NE(out.find("(default: \"https://api.voipbin.net/v1.0\")"), std::string::npos);
}

// --dump-config prints what parley will run with: every option, defaults included, secrets
// never (CAF's own dump printed them in plain text).
TEST(Config, DumpConfigShowsEveryEffectiveValueAndNoSecret) {
  ::setenv("LLM_API_KEY", "sk-from-env-4711", 1);
  child_process p(PARLEY_BINARY, {"--dump-config", "--voipbin.accesskey=accesskey-0815", customer,
                                  "--agent.silence-timeout=7"});
  ::unsetenv("LLM_API_KEY");
  ASSERT_EQ(p.wait(std::chrono::seconds(10)), 0) << p.output();
  auto out = p.output();
  EXPECT_EQ(out.find("4711"), std::string::npos) << out;
  EXPECT_EQ(out.find("0815"), std::string::npos) << out;
  for (const char* line : {"accesskey=<set>", "api-key=<set>", "secret=<unset>", "silence-timeout=7.0",
                           "false-interruption-timeout=1.5", "barge-in=\"interim\"", "policy='sharing'"})
    EXPECT_NE(out.find(std::string("\n") + line + "\n"), std::string::npos) << line << "\n" << out;
  // Every option --help lists is in the dump.
  child_process help(PARLEY_BINARY, {"--help"});
  ASSERT_EQ(help.wait(std::chrono::seconds(10)), 0);
  std::istringstream lines(help.output());
  std::string line;
  int options = 0;
  while (std::getline(lines, line)) {
    auto dashes = line.find("--");
    auto eq = line.find('=', dashes);
    if (dashes == std::string::npos || eq == std::string::npos || line.find('.', dashes) > eq) continue;
    auto name = line.substr(dashes + 2, eq - dashes - 2);  // group.option
    auto dot = name.find('.');
    auto group = name.substr(0, dot);
    if (group == "scheduler" || group == "work-stealing") continue;
    ++options;
    auto section = out.find("[" + group + "]\n");
    ASSERT_NE(section, std::string::npos) << group;
    EXPECT_NE(out.find("\n" + name.substr(dot + 1) + "=", section), std::string::npos) << name;
  }
  EXPECT_GT(options, 30);
}

TEST(Config, BadDrainActionIsRefused) {
  expect_refused({"--voipbin.accesskey=k", customer, "--agent.drain-action=x"},
                 "agent.drain-action: 'x' is not one of hangup, release");
}

TEST(Config, DumpConfigValidatesFirst) {
  expect_refused({"--dump-config", "--voipbin.accesskey=k", customer, "--agent.barge-in=shout"},
                 "agent.barge-in: ");
}

// CAF hangs for good on 0 scheduler threads and falls back silently on an unknown policy.
TEST(Config, SchedulerValuesAreRefused) {
  expect_refused({"--voipbin.accesskey=k", customer, "--scheduler.max-threads=0"}, "scheduler.max-threads: ");
  expect_refused({"--voipbin.accesskey=k", customer, "--scheduler.policy='bogus'"}, "scheduler.policy: ");
  auto path = "/tmp/parley-test-sched-" + std::to_string(::getpid()) + ".ini";
  std::ofstream(path) << "[scheduler]\nmax-threads=0\n";
  expect_refused({"--voipbin.accesskey=k", customer, "--config-file=" + path}, "scheduler.max-threads: ");
  ::unlink(path.c_str());
}

// "empty = none" works on the command line, and single quotes are quotes, not text.
TEST(Config, EmptyAndQuotedValuesOnTheCommandLine) {
  child_process p(PARLEY_BINARY, {"--dump-config", "--voipbin.accesskey=k", customer,
                                  "--agent.greeting=", "--agent.goodbye='Bye now'",
                                  "--agent.error-prompt=It's me", "--llm.model=\"m-1\""});
  ASSERT_EQ(p.wait(std::chrono::seconds(10)), 0) << p.output();
  auto out = p.output();
  for (const char* line : {"greeting=\"\"", "goodbye=\"Bye now\"", "error-prompt=\"It's me\"",
                           "model=\"m-1\"", "policy='sharing'"})
    EXPECT_NE(out.find(std::string("\n") + line + "\n"), std::string::npos) << line << "\n" << out;
}
