// Agent profiles in the configuration: [profiles.NAME] groups, their checks and --dump-config.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "app/option_sources.hpp"
#include "app/settings.hpp"

using namespace parley;

namespace {

const std::vector<std::string> brains = {"anthropic", "echo", "openai", "script"};
const std::vector<std::string> observers = {"crm"};

struct temp_file {
  std::string path;
  explicit temp_file(const std::string& text, const char* name = "profiles")
      : path("/tmp/parley-" + std::string(name) + "-" + std::to_string(::getpid()) + ".ini") {
    std::ofstream(path) << text;
  }
  ~temp_file() { ::unlink(path.c_str()); }
};

const std::string base =
    "[voipbin]\naccesskey=key\ncustomer-id=\"8d3e0a5c-6b1f-4c2a-9f7e-0a1b2c3d4e5f\"\n"
    "[events]\nmode=both\n[webhook]\nsecret=s3cret\n"
    "[llm]\nmodel=\"gpt-4o-mini\"\n[agent]\ngreeting=\"Hello from the default\"\n";

// read_options then validate: the settings, or the error lines.
result<settings> load(const std::string& text, std::vector<std::string> args = {}) {
  temp_file file(base + text);
  args.insert(args.begin(), "--config-file=" + file.path);
  auto r = read_options(args);
  if (!r) return r.error();
  return validate(r->raw, brains, observers);
}

std::string error_of(const std::string& text, std::vector<std::string> args = {}) {
  auto s = load(text, std::move(args));
  return s ? std::string("<valid>") : s.error().message;
}

}  // namespace

TEST(Profiles, WithoutProfilesNothingChanges) {
  auto s = load("");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_TRUE(s->profiles.empty());
  EXPECT_EQ(s->agent.greeting, "Hello from the default");
}

TEST(Profiles, AProfileIsTheTopLevelOptionsWithItsOverrides) {
  auto s = load(
      "[profiles.sales]\n"
      "match.destination = [\"+15550111\", \"+15550112\"]\n"
      "llm.model = \"gpt-4o\"\n"
      "llm.api-key = \"sk-sales\"\n"
      "agent.greeting = \"Sales, hello\"\n"
      "agent.barge-in = final\n"
      "agent.tools = [\"end_call\"]\n"
      "agent.observers = [\"crm\"]\n"
      "[profiles.gold]\n"
      "match.variable = [\"tier=gold\"]\n"
      "match.source = \"+15550100\"\n"
      "llm.provider = script\n"
      "llm.script = [\"Gold desk.\"]\n"
      "[profiles.gold.llm.fallback]\n"
      "provider = echo\n");
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_EQ(s->profiles.size(), 2u);
  const auto& sales = s->profiles[0];
  EXPECT_EQ(sales.name, "sales");
  EXPECT_EQ(sales.match.destinations, (std::vector<std::string>{"+15550111", "+15550112"}));
  EXPECT_EQ(sales.llm.model, "gpt-4o");
  EXPECT_EQ(sales.llm.api_key, "sk-sales");
  EXPECT_EQ(sales.llm.provider, "openai");  // inherited
  EXPECT_EQ(sales.agent.greeting, "Sales, hello");
  EXPECT_EQ(sales.agent.barge_in.on, turn::trigger::final_transcript);
  EXPECT_EQ(sales.agent.builtin_tools, (std::vector<std::string>{"end_call"}));
  EXPECT_EQ(sales.agent.observers, (std::vector<std::string>{"crm"}));
  EXPECT_EQ(sales.agent.language, "en-US");
  const auto& gold = s->profiles[1];
  EXPECT_EQ(gold.match.variables, (std::vector<profiles::variable_match>{{"tier", "gold"}}));
  EXPECT_EQ(gold.match.sources, (std::vector<std::string>{"+15550100"}));
  EXPECT_EQ(gold.llm.provider, "script");
  EXPECT_EQ(gold.llm.script, (std::vector<std::string>{"Gold desk."}));
  EXPECT_EQ(gold.llm.fallback.provider, "echo");
  EXPECT_EQ(gold.agent.greeting, "Hello from the default");  // inherited
  // The default is untouched.
  EXPECT_EQ(s->llm.model, "gpt-4o-mini");
  EXPECT_EQ(s->agent.greeting, "Hello from the default");
  EXPECT_TRUE(s->agent.builtin_tools.empty());
}

TEST(Profiles, TheCommandLineSetsProfileOptionsToo) {
  auto s = load("[profiles.sales]\nmatch.destination=[\"+15550111\"]\nagent.greeting=\"From the file\"\n",
                {"--profiles.sales.agent.greeting=From the command line",
                 "--profiles.night.match.source=+15550100", "--profiles.night.agent.voice-id=v2"});
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_EQ(s->profiles.size(), 2u);
  EXPECT_EQ(s->profiles[0].agent.greeting, "From the command line");
  EXPECT_EQ(s->profiles[1].name, "night");
  EXPECT_EQ(s->profiles[1].agent.voice_id, "v2");
}

TEST(Profiles, AnUnknownOptionIsRefusedWithASuggestion) {
  auto e = error_of("[profiles.sales]\nmatch.destination=[\"+15550111\"]\nllm.modle=\"x\"\n");
  EXPECT_NE(
      e.find("line 14: profiles.sales.llm.modle: unknown option; did you mean profiles.sales.llm.model?"),
      std::string::npos)
      << e;
  EXPECT_NE(
      error_of("", {"--profiles.sales.agent.greting=x"})
          .find("profiles.sales.agent.greting: unknown option; did you mean profiles.sales.agent.greeting?"),
      std::string::npos);
  EXPECT_NE(error_of("[profiles.sales]\nmatch.number=[\"+1\"]\n")
                .find("profiles.sales.match.number: unknown match rule"),
            std::string::npos);
}

TEST(Profiles, ProcessWideOptionsCannotBePerProfile) {
  for (const char* option : {"admin.listen", "agent.max-calls", "voipbin.accesskey", "agent.drain-timeout",
                             "agent.variables-wait", "log.level", "agent.plugins", "agent.adopt-on-start",
                             "agent.drain-action", "agent.drain-message", "scheduler.max-threads"}) {
    auto e = error_of("", {std::string("--profiles.sales.") + option + "=1"});
    EXPECT_NE(e.find(std::string("profiles.sales.") + option + ": " + option + " cannot be set per profile"),
              std::string::npos)
        << e;
  }
}

TEST(Profiles, BadValuesAndNamesAreRefusedWhereRead) {
  EXPECT_NE(error_of("[profiles.sales]\nllm.max-tokens=many\n")
                .find("profiles.sales.llm.max-tokens: 'many' is not a whole number"),
            std::string::npos);
  EXPECT_NE(error_of("", {"--profiles.default.agent.greeting=x"}).find("'default' is not a profile name"),
            std::string::npos);
  EXPECT_NE(error_of("", {"--profiles.sales=x"})
                .find("profiles.sales: a profile's option is profiles.NAME.<option>"),
            std::string::npos);
}

TEST(Profiles, UnknownReferencesStopStartUp) {
  EXPECT_EQ(
      error_of("[profiles.sales]\nmatch.destination=[\"+15550111\"]\nllm.provider=hal9000\n"),
      "profiles.sales.llm.provider: unknown provider 'hal9000' (known: anthropic, echo, openai, script)");
  EXPECT_EQ(
      error_of("[profiles.sales]\nmatch.destination=[\"+15550111\"]\nagent.observers=[\"crm\", \"spy\"]\n"),
      "profiles.sales.agent.observers: unknown observer 'spy' (known: crm)");
  EXPECT_EQ(
      error_of("[profiles.sales]\nmatch.destination=[\"+15550111\"]\nagent.tools=[\"launch_rocket\"]\n"),
      "profiles.sales.agent.tools: 'launch_rocket' is not a built-in tool (end_call, transfer_call)");
  EXPECT_EQ(
      error_of("[profiles.sales]\nmatch.destination=[\"+15550111\"]\nagent.tools=[\"transfer_call\"]\n"),
      "profiles.sales.agent.transfer-to: required when agent.tools has transfer_call; set a tel:+E.164 or "
      "sip: "
      "address");
  EXPECT_EQ(error_of("[profiles.sales]\nmatch.destination=[\"+15550111\"]\nllm.provider=script\n"),
            "profiles.sales.llm.script: missing (needs at least one reply when llm.provider is 'script')");
}

TEST(Profiles, AProfileMustMatchSomething) {
  EXPECT_EQ(error_of("[profiles.sales]\nagent.greeting=\"Sales\"\n"),
            "profiles.sales.match: the profile matches no call; give match.destination, match.variable or "
            "match.source");
  EXPECT_EQ(
      error_of("[profiles.sales]\nmatch.destination=[\"+1 555\"]\n"),
      "profiles.sales.match.destination: '+1 555' has blanks (write numbers as VoIPBIN sends them, e.g. "
      "+15550199)");
  EXPECT_EQ(error_of("[profiles.sales]\nmatch.variable=[\"tier\"]\n"),
            "profiles.sales.match.variable: 'tier' is not name=value");
}

TEST(Profiles, ANumberMatchedByTwoProfilesIsRefused) {
  EXPECT_EQ(error_of("[profiles.sales]\nmatch.destination=[\"+15550111\"]\n"
                     "[profiles.support]\nmatch.destination=[\"+15550122\", \"+15550111\"]\n"),
            "profiles.support.match.destination: '+15550111' is matched by profiles.sales too (a call must "
            "have one "
            "profile)");
  EXPECT_EQ(
      error_of(
          "[profiles.a]\nmatch.variable=[\"tier=gold\"]\n[profiles.b]\nmatch.variable=[\"tier=gold\"]\n"),
      "profiles.b.match.variable: 'tier=gold' is matched by profiles.a too (a call must have one profile)");
  EXPECT_EQ(
      error_of("[profiles.a]\nmatch.source=[\"+15550100\"]\n[profiles.b]\nmatch.source=[\"+15550100\"]\n"),
      "profiles.b.match.source: '+15550100' is matched by profiles.a too (a call must have one profile)");
  // The same number as one profile's destination and another's source is two rules, not a clash.
  EXPECT_EQ(
      error_of(
          "[profiles.a]\nmatch.destination=[\"+15550100\"]\n[profiles.b]\nmatch.source=[\"+15550100\"]\n"),
      "<valid>");
}

TEST(Profiles, EveryProblemIsOneLine) {
  auto e = error_of(
      "[profiles.a]\nllm.provider=nope\n"
      "[profiles.b]\nmatch.source=[\"+15550100\"]\nagent.observers=[\"spy\"]\n");
  EXPECT_EQ(e,
            "profiles.a.match: the profile matches no call; give match.destination, match.variable or "
            "match.source\n"
            "profiles.a.llm.provider: unknown provider 'nope' (known: anthropic, echo, openai, script)\n"
            "profiles.b.agent.observers: unknown observer 'spy' (known: crm)");
}

TEST(Profiles, VariablesNeedTheWebhookReceiver) {
  temp_file file(
      "[voipbin]\naccesskey=key\ncustomer-id=\"8d3e0a5c-6b1f-4c2a-9f7e-0a1b2c3d4e5f\"\n"
      "[profiles.gold]\nmatch.variable=[\"tier=gold\"]\n",
      "websocket-only");
  auto r = read_options({"--config-file=" + file.path});
  ASSERT_TRUE(r) << r.error().message;
  auto s = validate(r->raw, brains, observers);
  ASSERT_FALSE(s);
  EXPECT_EQ(
      s.error().message,
      "profiles.gold.match.variable: call variables arrive by webhook (call_variables); set events.mode to "
      "webhook or both");
}

TEST(Profiles, DumpConfigShowsProfilesWithoutSecretsAndReadsBack) {
  temp_file file(base +
                     "[profiles.sales]\nmatch.destination=[\"+15550111\"]\nllm.api-key=\"sk-very-secret\"\n"
                     "agent.greeting=\"Sales, hello\"\nagent.greeting=\"Sales, hi\"\n"
                     "[profiles.gold]\nmatch.variable=[\"tier=gold\"]\nmatch.source=[\"+15550100\"]\n",
                 "dump");
  auto r = read_options({"--config-file=" + file.path});
  ASSERT_TRUE(r) << r.error().message;
  auto dump = effective_config(r->raw);
  EXPECT_EQ(dump.find("sk-very-secret"), std::string::npos);
  EXPECT_NE(dump.find("[profiles.sales]\nmatch.destination=[\"+15550111\"]\nllm.api-key=<set>\n"
                      "agent.greeting=\"Sales, hi\"\n"),
            std::string::npos)
      << dump;
  EXPECT_NE(dump.find("[profiles.gold]\nmatch.variable=[\"tier=gold\"]\nmatch.source=[\"+15550100\"]\n"),
            std::string::npos)
      << dump;
  // Without the secret lines it reads back as a file, with the same profiles.
  std::string text, line;
  std::istringstream in(dump);
  while (std::getline(in, line))
    if (line.find("<set>") == std::string::npos && line.find("<unset>") == std::string::npos)
      text += line + "\n";
  temp_file again(text + "[voipbin]\naccesskey=key\n[webhook]\nsecret=s\n", "dump-again");
  auto back = read_options({"--config-file=" + again.path});
  ASSERT_TRUE(back) << back.error().message;
  auto s = validate(back->raw, brains, observers);
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_EQ(s->profiles.size(), 2u);
  EXPECT_EQ(s->profiles[0].agent.greeting, "Sales, hi");
  EXPECT_EQ(s->profiles[1].match.sources, (std::vector<std::string>{"+15550100"}));
}

TEST(Profiles, TheEnvironmentCannotSetProfiles) {
  ::setenv("PARLEY_PROFILES_SALES_AGENT_GREETING", "x", 1);
  auto e = error_of("");
  ::unsetenv("PARLEY_PROFILES_SALES_AGENT_GREETING");
  EXPECT_EQ(e,
            "PARLEY_PROFILES_SALES_AGENT_GREETING: profiles cannot come from the environment; give them in a "
            "config "
            "file or as --profiles.NAME.<option>=value");
}
