// The example configurations in deploy/examples/ load in the real parley as written: an
// unknown option or a bad value stops --dump-config with exit 2, and the dump shows the model
// server each file is for.

#include <gtest/gtest.h>

#include <string>

#include "process.hpp"

using parley::test::child_process;

namespace {

struct expected_llm {
  std::string provider;
  std::string base_url;
  std::string model;
};

// `key=value` under `[group]` in a --dump-config output, or "<absent>".
std::string dumped(const std::string& dump, const std::string& group, const std::string& key) {
  auto section = dump.find("[" + group + "]\n");
  if (section == std::string::npos) return "<absent>";
  auto line = dump.find("\n" + key + "=", section);
  if (line == std::string::npos || line > dump.find("\n[", section + 1)) return "<absent>";
  auto start = line + key.size() + 2;
  return dump.substr(start, dump.find('\n', start) - start);
}

// Loads deploy/examples/<file> with --dump-config; the secrets come from the command line, as
// they would from the environment.
void expect_example_loads(const std::string& file, const expected_llm& llm) {
  auto path = std::string(PARLEY_SOURCE_DIR "/deploy/examples/") + file;
  child_process p(PARLEY_BINARY, {"--config-file=" + path, "--dump-config", "--voipbin.accesskey=k"});
  ASSERT_EQ(p.wait(std::chrono::seconds(10)), 0) << path << "\n" << p.output();
  auto dump = p.output();
  EXPECT_EQ(dumped(dump, "llm", "provider"), "\"" + llm.provider + "\"") << dump;
  EXPECT_EQ(dumped(dump, "llm", "base-url"), "\"" + llm.base_url + "\"") << dump;
  EXPECT_EQ(dumped(dump, "llm", "model"), "\"" + llm.model + "\"") << dump;
}

}  // namespace

TEST(ExampleConfigs, OpenAI) {
  expect_example_loads("openai.ini", {"openai", "https://api.openai.com/v1", "gpt-4o-mini"});
}

TEST(ExampleConfigs, LocalOpenAICompatibleServer) {
  expect_example_loads("local-openai-compatible.ini", {"openai", "http://127.0.0.1:11434/v1", "llama3.1:8b"});
}

TEST(ExampleConfigs, Anthropic) {
  expect_example_loads("anthropic.ini", {"anthropic", "https://api.anthropic.com/v1", "claude-haiku-4-5"});
}
