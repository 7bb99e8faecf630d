#include "app/option_sources.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "app/option_table.hpp"

using namespace parley;

namespace {

std::string error_of(const std::vector<std::string>& args) {
  auto r = read_options(args);
  return r ? std::string("<ok>") : r.error().message;
}

struct temp_file {
  std::string path;
  explicit temp_file(const std::string& text, const char* name = "opts")
      : path("/tmp/parley-" + std::string(name) + "-" + std::to_string(::getpid()) + ".ini") {
    std::ofstream(path) << text;
  }
  ~temp_file() { ::unlink(path.c_str()); }
};

}  // namespace

TEST(OptionSources, EveryKindReadsTheSameFromFileAndCommandLine) {
  temp_file file(
      "[agent]\nsilence-timeout=2\nmax-calls=7\ngreeting=\nbackchannels=[\"mm\", 'uh huh']\n"
      "goodbye=Bye now\n[llm]\ntemperature=1\n");
  auto from_file = read_options({"--config-file=" + file.path});
  ASSERT_TRUE(from_file) << from_file.error().message;
  auto from_cli = read_options({"--agent.silence-timeout=2", "--agent.max-calls=7",
                                "--agent.greeting=", "--agent.backchannels=[\"mm\", 'uh huh']",
                                "--agent.goodbye=Bye now", "--llm.temperature=1"});
  ASSERT_TRUE(from_cli) << from_cli.error().message;
  for (const auto* r : {&from_file->raw, &from_cli->raw}) {
    EXPECT_EQ(r->agent_silence_timeout, 2.0);  // a whole number for a decimal option
    EXPECT_EQ(r->agent_max_calls, 7);
    EXPECT_EQ(r->agent_greeting, "");
    EXPECT_EQ(r->agent_backchannels, (std::vector<std::string>{"mm", "uh huh"}));
    EXPECT_EQ(r->agent_goodbye, "Bye now");
    EXPECT_EQ(r->llm_temperature, 1.0);
  }
}

TEST(OptionSources, YesNoOptionsTakeTrueOrFalseEverywhere) {
  temp_file file("[agent]\nadopt-on-start=false\n", "flag");
  auto from_file = read_options({"--config-file=" + file.path});
  ASSERT_TRUE(from_file);
  EXPECT_FALSE(from_file->raw.agent_adopt_on_start);
  auto bare = read_options({"--config-file=" + file.path, "--agent.adopt-on-start"});
  ASSERT_TRUE(bare);
  EXPECT_TRUE(bare->raw.agent_adopt_on_start);  // a bare flag means true, and wins over the file
  auto off = read_options({"--agent.adopt-on-start='false'"});
  ASSERT_TRUE(off);
  EXPECT_FALSE(off->raw.agent_adopt_on_start);
  EXPECT_EQ(error_of({"--agent.adopt-on-start=maybe"}), "agent.adopt-on-start: 'maybe' is not true or false");
}

TEST(OptionSources, LaterSourcesWin) {
  temp_file first("[agent]\nlanguage=\"de-DE\"\ngreeting=\"Hallo\"\n", "first");
  temp_file second("[agent]\ngreeting=\"Servus\"\n", "second");
  ::setenv("PARLEY_AGENT_GOODBYE", "'Tschuess'", 1);
  ::setenv("PARLEY_LLM_MODEL", "from-env", 1);
  auto r = read_options({"--config-file=" + first.path, "--config-file=" + second.path, "--llm.model=cli"});
  ::unsetenv("PARLEY_AGENT_GOODBYE");
  ::unsetenv("PARLEY_LLM_MODEL");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->raw.agent_language, "de-DE");    // the first file
  EXPECT_EQ(r->raw.agent_greeting, "Servus");   // the second file overrides it
  EXPECT_EQ(r->raw.agent_goodbye, "Tschuess");  // the environment
  EXPECT_EQ(r->raw.llm_model, "cli");           // the command line over the environment
}

TEST(OptionSources, SecretsComeFromTheirEnvironmentVariables) {
  ::setenv("VOIPBIN_ACCESSKEY", "env-key", 1);
  ::setenv("LLM_API_KEY", "env-llm", 1);
  auto r = read_options({"--llm.api-key=explicit"});
  ::unsetenv("VOIPBIN_ACCESSKEY");
  ::unsetenv("LLM_API_KEY");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->raw.voipbin_accesskey, "env-key");
  EXPECT_EQ(r->raw.llm_api_key, "explicit");  // the command line wins
}

TEST(OptionSources, TyposAreRefusedWithASuggestion) {
  EXPECT_EQ(error_of({"--agent.greting=Hi"}),
            "agent.greting: unknown option; did you mean agent.greeting? (parley --help lists them)");
  temp_file group("[agnet]\ngreeting=\"Hi\"\n", "group");
  EXPECT_EQ(error_of({"--config-file=" + group.path}),
            group.path +
                ": line 2: agnet.greeting: unknown option; did you mean agent.greeting? (parley --help "
                "lists them)");
  temp_file wrong_group("[llm]\nsilence-timeout=2\n", "wrong");
  EXPECT_NE(error_of({"--config-file=" + wrong_group.path}).find("did you mean agent.silence-timeout?"),
            std::string::npos);
  // CAF's own options are not parley's to take.
  EXPECT_EQ(error_of({"--work-stealing.relaxed-steal-interval=3"})
                .rfind("work-stealing.relaxed-steal-interval: unknown option", 0),
            0u);
}

TEST(OptionSources, BadValuesNameTheOptionAndSource) {
  EXPECT_EQ(error_of({"--agent.silence-timeout=soon"}), "agent.silence-timeout: 'soon' is not a number");
  EXPECT_EQ(error_of({"--agent.max-calls=1.5"}), "agent.max-calls: '1.5' is not a whole number");
  EXPECT_EQ(error_of({"--llm.max-tokens=99999999999"}), "llm.max-tokens: '99999999999' is out of range");
  EXPECT_EQ(error_of({"--agent.greeting"}),
            "agent.greeting: needs a value: --agent.greeting=VALUE (\"\" for empty)");
  EXPECT_EQ(error_of({"stray"}),
            "stray: unexpected argument (options are --group.key=value; see parley --help)");
  EXPECT_EQ(error_of({"--config-file"}), "config-file: give the file as --config-file=FILE");
  EXPECT_EQ(error_of({"--config-file=/nonexistent.ini"}),
            "/nonexistent.ini: cannot open (No such file or directory)");
  EXPECT_EQ(error_of({"--config-file=/tmp"}), "/tmp: is a directory, not a config file");
  EXPECT_EQ(error_of({"--llm.api-key=\"sk-4711\"tail"}),
            "llm.api-key: malformed (a quote is not closed or text follows it; not shown)");
  ::setenv("PARLEY_AGENT_SILENCE_TIMOUT", "5", 1);
  EXPECT_EQ(
      error_of({}),
      "PARLEY_AGENT_SILENCE_TIMOUT: names no option; did you mean agent.silence-timeout? (parley --help "
      "lists them)");
  ::unsetenv("PARLEY_AGENT_SILENCE_TIMOUT");
  ::setenv("PARLEY_FUZZ_SECONDS", "5", 1);  // not an option group: not parley's
  EXPECT_EQ(error_of({}), "<ok>");
  ::unsetenv("PARLEY_FUZZ_SECONDS");
  ::setenv("PARLEY_AGENT_MAX_CALLS", "many", 1);
  EXPECT_EQ(error_of({}), "agent.max-calls (from PARLEY_AGENT_MAX_CALLS): 'many' is not a whole number");
  ::unsetenv("PARLEY_AGENT_MAX_CALLS");
}

TEST(OptionSources, DumpShowsEveryOptionAndNoSecret) {
  auto r =
      read_options({"--voipbin.accesskey=key-4711", "--agent.silence-timeout=7", "--llm.script=a, \"b\""});
  ASSERT_TRUE(r);
  auto dump = effective_config(r->raw);
  EXPECT_EQ(dump.find("4711"), std::string::npos) << dump;
  for (const char* line : {"[voipbin]\n", "\naccesskey=<set>\n", "\nsecret=<unset>\n",
                           "\nsilence-timeout=7.0\n", "\nscript=[\"a\", \"b\"]\n", "\npolicy=\"sharing\"\n"})
    EXPECT_NE(dump.find(line), std::string::npos) << line << dump;
  // What the dump prints reads back to the same options.
  temp_file again(dump, "again");
  ::setenv("VOIPBIN_ACCESSKEY", "key-4711", 1);
  std::string text = dump;
  for (auto pos = text.find("<"); pos != std::string::npos; pos = text.find("<")) {
    auto line_start = text.rfind('\n', pos) + 1;
    text.erase(line_start, text.find('\n', pos) + 1 - line_start);
  }
  temp_file reread(text, "reread");
  auto back = read_options({"--config-file=" + reread.path});
  ::unsetenv("VOIPBIN_ACCESSKEY");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(effective_config(back->raw), dump);
}

TEST(OptionSources, DumpShowsTheProvidersBaseUrlWhenNoneIsSet) {
  auto openai = read_options({});
  ASSERT_TRUE(openai);
  EXPECT_NE(effective_config(openai->raw).find("\nbase-url=\"https://api.openai.com/v1\"\n"),
            std::string::npos);
  auto anthropic = read_options({"--llm.provider=anthropic"});
  ASSERT_TRUE(anthropic);
  EXPECT_NE(effective_config(anthropic->raw).find("\nbase-url=\"https://api.anthropic.com/v1\"\n"),
            std::string::npos);
  auto given = read_options({"--llm.provider=anthropic", "--llm.base-url=http://localhost:9/v1"});
  ASSERT_TRUE(given);
  EXPECT_NE(effective_config(given->raw).find("\nbase-url=\"http://localhost:9/v1\"\n"), std::string::npos);
  EXPECT_NE(help_text().find("https://api.anthropic.com/v1 for anthropic"), std::string::npos);
}

TEST(OptionSources, HelpListsEveryOptionWithItsDefault) {
  auto help = help_text();
  for (const auto& spec : option_table())
    EXPECT_NE(help.find("--" + std::string(spec.name) + "=<"), std::string::npos) << spec.name;
  EXPECT_NE(help.find("(default: \"https://api.voipbin.net/v1.0\")"), std::string::npos);
  EXPECT_NE(help.find("(default: CPU cores)"), std::string::npos);
  EXPECT_EQ(help.find("middleman"), std::string::npos);
}
