// Bad configuration stops start-up with exit code 2 and one line naming the option.

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "process.hpp"
#include "startup_errors.hpp"

using parley::test::child_process;
using parley::test::expect_refused;

namespace {

const std::string customer = "--voipbin.customer-id=8d3e0a5c-6b1f-4c2a-9f7e-0a1b2c3d4e5f";

// The options `parley --help` lists, as group.key.
std::vector<std::string> help_options() {
  child_process help(PARLEY_BINARY, {"--help"});
  EXPECT_EQ(help.wait(std::chrono::seconds(10)), 0);
  std::istringstream lines(help.output());
  std::vector<std::string> names;
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("  --", 0) == 0 && line.find("=<") != std::string::npos)
      names.push_back(line.substr(4, line.find("=<") - 4));
  return names;
}

// Runs `parley --dump-config` with `args`; the output, or empty when it did not exit 0.
std::string dump_config(std::vector<std::string> args) {
  args.insert(args.begin(), "--dump-config");
  child_process p(PARLEY_BINARY, args);
  auto rc = p.wait(std::chrono::seconds(10));
  EXPECT_EQ(rc, 0) << p.output();
  return rc == 0 ? p.output() : std::string();
}

// The value of `group.key` in a --dump-config output, or "<absent>".
std::string dumped(const std::string& dump, const std::string& name) {
  auto dot = name.rfind('.');  // llm.fallback.model is model= under [llm.fallback]
  auto section = dump.find("[" + name.substr(0, dot) + "]\n");
  if (section == std::string::npos) return "<absent>";
  auto key = dump.find("\n" + name.substr(dot + 1) + "=", section);
  auto next = dump.find("\n[", section + 1);
  if (key == std::string::npos || key > next) return "<absent>";
  auto start = key + name.size() - dot + 1;
  return dump.substr(start, dump.find('\n', start) - start);
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
                           "false-interruption-timeout=1.5", "barge-in=\"interim\"", "policy=\"sharing\""})
    EXPECT_NE(out.find(std::string("\n") + line + "\n"), std::string::npos) << line << "\n" << out;
  // Every option --help lists is in the dump.
  auto names = help_options();
  EXPECT_GT(names.size(), 35u);
  for (const auto& name : names) EXPECT_NE(dumped(out, name), "<absent>") << name;
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
                           "model=\"m-1\"", "policy=\"sharing\""})
    EXPECT_NE(out.find(std::string("\n") + line + "\n"), std::string::npos) << line << "\n" << out;
}

namespace {

// A value as text, whatever way it was written: unquoted, numbers as numbers, lists without
// spaces and with double quotes.
std::string normalized(std::string v) {
  while (!v.empty() && (v.back() == ' ' || v.back() == '\r')) v.pop_back();
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front())
    return v.substr(1, v.size() - 2);
  char* end = nullptr;
  double d = std::strtod(v.c_str(), &end);
  if (!v.empty() && end == v.c_str() + v.size()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", d);
    return buf;
  }
  std::string out;
  for (char c : v)
    if (c != ' ') out += c == '\'' ? '"' : c;
  return out;
}

// group.key -> value of every line of an INI file; commented-out `; key=` lines too when asked.
std::map<std::string, std::string> ini_values(const std::string& path, bool commented) {
  std::ifstream in(path);
  std::map<std::string, std::string> values;
  std::string group;
  for (std::string line; std::getline(in, line);) {
    auto eq = line.find('=');
    if (commented && line.rfind("; ", 0) == 0 && eq != std::string::npos &&
        line.find_first_not_of("abcdefghijklmnopqrstuvwxyz-", 2) == eq)
      line = line.substr(2);
    if (line.empty() || line[0] == ';' || line[0] == '#') continue;
    if (line[0] == '[') {
      group = line.substr(1, line.find(']') - 1);
      continue;
    }
    eq = line.find('=');
    if (eq != std::string::npos) values[group + "." + line.substr(0, eq)] = line.substr(eq + 1);
  }
  return values;
}

// Options with two dots: [llm.fallback] model= in a file, PARLEY_LLM_FALLBACK_MODEL in the
// environment; the dump prints them under [llm.fallback], and reads back as it printed.
TEST(Config, FallbackOptionsHaveTheirOwnGroup) {
  auto path = "/tmp/parley-test-fallback-" + std::to_string(::getpid()) + ".ini";
  std::ofstream(path) << "[llm.fallback]\nprovider=\"openai\"\nbase-url=\"http://backup.example/v1\"\n"
                         "api-key=\"sk-fallback-0042\"\n[llm]\nfirst-token-timeout=0.5\n";
  ::setenv("PARLEY_LLM_FALLBACK_MODEL", "backup-model", 1);
  auto dump = dump_config({"--voipbin.accesskey=k", customer, "--config-file=" + path});
  ::unsetenv("PARLEY_LLM_FALLBACK_MODEL");
  EXPECT_EQ(dump.find("0042"), std::string::npos) << dump;
  EXPECT_NE(dump.find("\n[llm.fallback]\nprovider=\"openai\"\nbase-url=\"http://backup.example/v1\"\n"
                      "api-key=<set>\nmodel=\"backup-model\"\n"),
            std::string::npos)
      << dump;
  EXPECT_EQ(dumped(dump, "llm.first-token-timeout"), "0.5");
  EXPECT_EQ(dumped(dump, "llm.max-history"), "50");
  // The dump, secrets aside, is a config file giving the same options.
  std::string again_text;
  std::istringstream lines(dump);
  for (std::string line; std::getline(lines, line);)
    if (line.find("=<set>") == std::string::npos && line.find("=<unset>") == std::string::npos)
      again_text += line + "\n";
  std::ofstream(path) << again_text;
  auto again = dump_config({"--voipbin.accesskey=k", customer, "--config-file=" + path});
  ::unlink(path.c_str());
  EXPECT_EQ(dumped(again, "llm.fallback.model"), "\"backup-model\"") << again;
  EXPECT_EQ(dumped(again, "llm.fallback.base-url"), "\"http://backup.example/v1\"");
  EXPECT_EQ(dumped(again, "llm.model"), "\"gpt-4o-mini\"");
  expect_refused({"--voipbin.accesskey=k", customer, "--llm.fallback.provider=nope"},
                 "llm.fallback.provider: unknown provider 'nope'");
  expect_refused({"--voipbin.accesskey=k", customer, "--llm.max-history=0"},
                 "llm.max-history: must be at least 1");
  expect_refused({"--voipbin.accesskey=k", customer, "--llm.first-token-timeout=0"},
                 "llm.first-token-timeout: must be above 0");
}

}  // namespace

// Every INI file parley ships is read as written: each of its values is what parley runs with
// (whole numbers for decimal options were once dropped without a word).
TEST(Config, EveryShippedIniFileTakesEffect) {
  ::setenv("VOIPBIN_ACCESSKEY", "for-the-example", 1);
  int files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(PARLEY_SOURCE_DIR "/deploy")) {
    if (entry.path().extension() != ".ini") continue;
    ++files;
    auto path = entry.path().string();
    auto dump = dump_config({"--config-file=" + path});
    ASSERT_FALSE(dump.empty()) << path;
    auto values = ini_values(path, false);
    EXPECT_GT(values.size(), 5u) << path;
    for (const auto& [name, value] : values) {
      auto effective = dumped(dump, name);
      if (effective == "<set>")  // a secret: never printed
        EXPECT_FALSE(normalized(value).empty()) << path << ": " << name;
      else
        EXPECT_EQ(normalized(effective), normalized(value)) << path << ": " << name;
    }
  }
  ::unsetenv("VOIPBIN_ACCESSKEY");
  EXPECT_EQ(files, 5);  // parley.example.ini, the demo's, the three in examples/
}

// docs/configuration.md and deploy/parley.example.ini list exactly the options --help lists.
TEST(Config, DocsAndExampleFileListEveryOption) {
  auto help = help_options();
  std::set<std::string> from_help(help.begin(), help.end());
  std::set<std::string> from_docs;
  std::ifstream docs(PARLEY_SOURCE_DIR "/docs/configuration.md");
  for (std::string line; std::getline(docs, line);)
    if (line.rfind("| `", 0) == 0) {
      auto name = line.substr(3, line.find('`', 3) - 3);
      if (name.find('.') != std::string::npos) from_docs.insert(name);
    }
  std::set<std::string> from_example;
  for (const auto& [name, _] : ini_values(PARLEY_SOURCE_DIR "/deploy/parley.example.ini", true))
    from_example.insert(name);
  EXPECT_GT(from_help.size(), 35u);
  EXPECT_EQ(from_docs, from_help);
  EXPECT_EQ(from_example, from_help);
}

TEST(Config, IniTyposAreRefusedWithASuggestion) {
  auto path = "/tmp/parley-test-typo-" + std::to_string(::getpid()) + ".ini";
  std::ofstream(path) << "[agent]\ngreeting=\"Hi\"\ngreting=\"Hi\"\n";
  expect_refused({"--voipbin.accesskey=k", customer, "--config-file=" + path},
                 path + ": line 3: agent.greting: unknown option; did you mean agent.greeting?");
  std::ofstream(path) << "[agnet]\ngreeting=\"Hi\"\n";
  expect_refused({"--voipbin.accesskey=k", customer, "--config-file=" + path},
                 path + ": line 2: agnet.greeting: unknown option; did you mean agent.greeting?");
  ::unlink(path.c_str());
  expect_refused({"--voipbin.accesskey=k", customer, "--config-file=" + path}, path + ": cannot open");
  expect_refused({"--voipbin.accesskey=k", customer, "--config-file=/tmp"}, "/tmp: is a directory");
  expect_refused({"--voipbin.accesskey=k", customer, "--agent.silence-timout=2"},
                 "agent.silence-timout: unknown option; did you mean agent.silence-timeout?");
}

TEST(Config, EmptyUnquotedAndWholeNumberValuesInTheIniFile) {
  auto path = "/tmp/parley-test-values-" + std::to_string(::getpid()) + ".ini";
  std::ofstream(path) << "[agent]\ngreeting=\ngoodbye=Bye now\nsilence-timeout=2\n[llm]\ntemperature=1\n";
  auto dump = dump_config({"--voipbin.accesskey=k", customer, "--config-file=" + path});
  ::unlink(path.c_str());
  EXPECT_EQ(dumped(dump, "agent.greeting"), "\"\"") << dump;
  EXPECT_EQ(dumped(dump, "agent.goodbye"), "\"Bye now\"");
  EXPECT_EQ(dumped(dump, "agent.silence-timeout"), "2.0");
  EXPECT_EQ(dumped(dump, "llm.temperature"), "1.0");
}

// All missing required options are named at once, one line each.
TEST(Config, EveryMissingRequiredOptionIsNamed) {
  child_process p(PARLEY_BINARY, {"--events.mode=both"});
  ASSERT_EQ(p.wait(std::chrono::seconds(10)), 2);
  auto out = p.output();
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 3) << out;
  for (const char* line : {"parley: voipbin.accesskey: missing", "parley: voipbin.customer-id: missing",
                           "parley: webhook.secret: missing"})
    EXPECT_NE(out.find(line), std::string::npos) << line << "\n" << out;
}

namespace {

// A tools file (agent.tools-file) removed with the test.
struct tools_file {
  std::string path;
  tools_file(const std::string& tag, const std::string& text)
      : path("/tmp/parley-test-tools-" + tag + "-" + std::to_string(::getpid()) + ".json") {
    std::ofstream(path) << text;
  }
  ~tools_file() { ::unlink(path.c_str()); }
};

const char* good_tools = R"([
  {"name": "lookup_order", "description": "Look up an order by its number.",
   "parameters": {"type": "object", "properties": {"order": {"type": "string"}}},
   "url": "https://shop.example/api/orders", "timeout": 5,
   "headers": {"Authorization": "Bearer ${ORDERS_TEST_TOKEN}", "X-Static": "static-secret-2718"}},
  {"name": "book_slot", "description": "Book a slot.", "url": "http://127.0.0.1:9/book", "method": "PUT"}
])";

}  // namespace

// A mistake in the tools file stops start-up like a bad option: one line naming the option,
// the file, the tool and the field.
TEST(Config, ToolsFileMistakesAreRefusedNamingFileToolAndField) {
  tools_file timeout("timeout", R"([{"name": "lookup_order", "description": "Look up an order.",
                                     "url": "https://shop.example/api/orders", "timeout": 301}])");
  expect_refused({"--voipbin.accesskey=k", customer, "--agent.tools-file=" + timeout.path},
                 "agent.tools-file: " + timeout.path +
                     ": tool 'lookup_order': timeout: must be a number of seconds above 0 and at most 300\n");
  tools_file unnamed("unnamed", R"([{"name": "a", "description": "A", "url": "https://x.example/"},
                                     {"description": "B", "url": "https://x.example/"}])");
  expect_refused({"--voipbin.accesskey=k", customer, "--agent.tools-file=" + unnamed.path},
                 "agent.tools-file: " + unnamed.path + ": tool 2: name: missing\n");
  tools_file typo("typo", R"([{"name": "a", "descripton": "A", "url": "https://x.example/"}])");
  expect_refused({"--voipbin.accesskey=k", customer, "--agent.tools-file=" + typo.path},
                 "agent.tools-file: " + typo.path +
                     ": tool 'a': descripton: unknown field; did you mean description?\n");
  tools_file broken("broken", "[{\"name\": \"a\",\n \"description\": nope-not-json}]");
  expect_refused({"--voipbin.accesskey=k", customer, "--agent.tools-file=" + broken.path},
                 "agent.tools-file: " + broken.path + ": not valid JSON: parse error at line 2, column ");
  {
    child_process p(PARLEY_BINARY, {"--voipbin.accesskey=k", customer, "--agent.tools-file=" + broken.path});
    p.wait(std::chrono::seconds(10));
    EXPECT_EQ(p.output().find("nope"), std::string::npos) << p.output();  // the position, not the text
  }
  expect_refused({"--voipbin.accesskey=k", customer, "--agent.tools-file=/nonexistent/tools.json"},
                 "agent.tools-file: /nonexistent/tools.json: cannot open");
  expect_refused({"--voipbin.accesskey=k", customer, "--agent.tools=end_call, hang_up"},
                 "agent.tools: 'hang_up' is not a built-in tool (end_call, transfer_call)\n");
  expect_refused(
      {"--voipbin.accesskey=k", customer, "--agent.tools=transfer_call"},
      "agent.transfer-to: required when agent.tools has transfer_call; set a tel:+E.164 or sip: address\n");
  expect_refused({"--voipbin.accesskey=k", customer, "--agent.transfer-to=0555 1234"}, "agent.transfer-to: ");
  expect_refused({"--voipbin.accesskey=k", customer, "--agent.max-tool-calls=0"},
                 "agent.max-tool-calls: must be between 1 and 100\n");
}

// Header values may be secrets: one from the environment (${NAME}) or written in the file never
// shows in --dump-config, nor in an error about the file.
TEST(Config, ToolsFileHeaderValuesAreNeverShown) {
  tools_file good("good", good_tools);
  ::setenv("ORDERS_TEST_TOKEN", "env-secret-16180", 1);
  child_process dump(PARLEY_BINARY, {"--dump-config", "--voipbin.accesskey=k", customer,
                                     "--agent.tools-file=" + good.path, "--agent.tools=end_call"});
  auto dump_rc = dump.wait(std::chrono::seconds(10));
  // The same file with a mistake after the headers.
  std::string bad_text = good_tools;
  bad_text.replace(bad_text.find("\"method\": \"PUT\""), 15, "\"method\": \"GET\"");
  tools_file bad("bad", bad_text);
  child_process refused(PARLEY_BINARY, {"--voipbin.accesskey=k", customer, "--agent.tools-file=" + bad.path});
  auto refused_rc = refused.wait(std::chrono::seconds(10));
  ::unsetenv("ORDERS_TEST_TOKEN");
  // And without the variable: the error names it, not the header's text.
  child_process unset(PARLEY_BINARY, {"--voipbin.accesskey=k", customer, "--agent.tools-file=" + good.path});
  auto unset_rc = unset.wait(std::chrono::seconds(10));

  ASSERT_EQ(dump_rc, 0) << dump.output();
  EXPECT_EQ(dumped(dump.output(), "agent.tools-file"), "\"" + good.path + "\"");
  EXPECT_EQ(refused_rc, 2) << refused.output();
  EXPECT_EQ(refused.output(), "parley: agent.tools-file: " + bad.path +
                                  ": tool 'book_slot': method: 'GET' is not one of POST, PUT, PATCH\n");
  EXPECT_EQ(unset_rc, 2) << unset.output();
  EXPECT_EQ(unset.output(), "parley: agent.tools-file: " + good.path +
                                ": tool 'lookup_order': headers: Authorization: the environment variable "
                                "ORDERS_TEST_TOKEN is not set\n");
  for (const auto* p : {&dump, &refused, &unset})
    for (const char* secret : {"env-secret-16180", "static-secret-2718", "Bearer"})
      EXPECT_EQ(p->output().find(secret), std::string::npos) << secret << "\n" << p->output();
}

TEST(Config, AGoodToolsFileAndBuiltinToolsAreAccepted) {
  tools_file good("accepted", good_tools);
  ::setenv("ORDERS_TEST_TOKEN", "env-secret-16180", 1);
  auto dump = dump_config({"--voipbin.accesskey=k", customer, "--agent.tools-file=" + good.path,
                           "--agent.tools=[\"end_call\", \"transfer_call\"]",
                           "--agent.transfer-to=sip:desk@pbx.example", "--agent.max-tool-calls=3",
                           "--agent.transfer-message=One moment."});
  ::unsetenv("ORDERS_TEST_TOKEN");
  EXPECT_EQ(dumped(dump, "agent.tools"), "[\"end_call\", \"transfer_call\"]") << dump;
  EXPECT_EQ(dumped(dump, "agent.tools-file"), "\"" + good.path + "\"");
  EXPECT_EQ(dumped(dump, "agent.max-tool-calls"), "3");
  EXPECT_EQ(dumped(dump, "agent.transfer-to"), "\"sip:desk@pbx.example\"");
  EXPECT_EQ(dumped(dump, "agent.transfer-message"), "\"One moment.\"");
  // The defaults.
  auto plain = dump_config({"--voipbin.accesskey=k", customer});
  EXPECT_EQ(dumped(plain, "agent.tools"), "[]") << plain;
  EXPECT_EQ(dumped(plain, "agent.tools-file"), "\"\"");
  EXPECT_EQ(dumped(plain, "agent.max-tool-calls"), "5");
  EXPECT_EQ(dumped(plain, "agent.transfer-to"), "\"\"");
  EXPECT_EQ(dumped(plain, "agent.transfer-message"), "\"Please hold while I transfer you to a colleague.\"");
}

// The tools file shown in docs/tools.md is deploy/tools.example.json, and parley accepts it.
TEST(Config, TheToolsExampleInTheDocsIsShippedAndAccepted) {
  std::ifstream in(PARLEY_SOURCE_DIR "/docs/tools.md");
  std::stringstream docs;
  docs << in.rdbuf();
  auto text = docs.str();
  auto named = text.find("`deploy/tools.example.json`");
  ASSERT_NE(named, std::string::npos);
  auto open = text.find("```json\n", named);
  auto close = text.find("```", open + 8);
  ASSERT_TRUE(open != std::string::npos && close != std::string::npos);
  auto shown = nlohmann::json::parse(text.substr(open + 8, close - open - 8), nullptr, false);
  std::ifstream file(PARLEY_SOURCE_DIR "/deploy/tools.example.json");
  auto shipped = nlohmann::json::parse(file, nullptr, false);
  ASSERT_FALSE(shown.is_discarded());
  EXPECT_EQ(shown, shipped);
  ::setenv("ORDERS_API_TOKEN", "orders-token-0042", 1);
  child_process p(PARLEY_BINARY, {"--dump-config", "--voipbin.accesskey=k", customer,
                                  "--agent.tools-file=" PARLEY_SOURCE_DIR "/deploy/tools.example.json"});
  ::unsetenv("ORDERS_API_TOKEN");
  EXPECT_EQ(p.wait(std::chrono::seconds(10)), 0) << p.output();
  EXPECT_EQ(p.output().find("0042"), std::string::npos);
}
