#include "app/config_file.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

using namespace parley;

TEST(ConfigFile, GroupsKeysAndValuesAsWritten) {
  auto entries = parse_config_text(
      "; comment\n"
      "# comment\n"
      "[agent]\n"
      "silence-timeout = 2\n"
      "greeting=\"Hi; there\" ; a comment after a quoted value\n"
      "system-prompt=You are kind; and brief\n"
      "goodbye=\n"
      "backchannels=[\"uh-huh\",\n"
      "  \"yeah\"]\n"
      "[scheduler]\n"
      "policy='sharing'\n");
  ASSERT_TRUE(entries) << entries.error().message;
  ASSERT_EQ(entries->size(), 6u);
  const auto& e = *entries;
  EXPECT_EQ(e[0].name, "agent.silence-timeout");
  EXPECT_EQ(e[0].value, "2");
  EXPECT_EQ(e[0].line, 4);
  EXPECT_EQ(e[1].value, "\"Hi; there\"");
  EXPECT_EQ(e[2].value, "You are kind; and brief");  // a bare value runs to the end of the line
  EXPECT_EQ(e[3].name, "agent.goodbye");
  EXPECT_EQ(e[3].value, "");
  EXPECT_EQ(e[4].value, "[\"uh-huh\",\n\"yeah\"]");
  EXPECT_EQ(e[5].name, "scheduler.policy");
  EXPECT_EQ(e[5].value, "'sharing'");
}

TEST(ConfigFile, ErrorsNameTheLine) {
  auto error_of = [](const char* text) {
    auto r = parse_config_text(text);
    return r ? std::string("<ok>") : r.error().message;
  };
  EXPECT_EQ(error_of("greeting=\"x\"\n"), "line 1: 'greeting' comes before any [group]");
  EXPECT_EQ(error_of("[agent]\n\ngreeting=\"open\n"), "line 3: the quote is not closed");
  EXPECT_EQ(error_of("[agent]\ngreeting=\"a\" b\n"), "line 2: unexpected text after the value: 'b'");
  EXPECT_EQ(error_of("[agent]\nbackchannels=[\"a\",\n"), "line 2: the list has no closing ]");
  EXPECT_EQ(error_of("[agent\n"), "line 1: a group header is [name]");
  EXPECT_EQ(error_of("[voipbin]\naccesskey sk-4711\n"), "line 2: expected key = value or a [group] header");
}

TEST(ConfigFile, MissingFileAndDirectoryAreRefused) {
  auto missing = read_config_file("/nonexistent/parley.ini");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "cannot open (No such file or directory)");
  auto dir = read_config_file("/tmp");
  ASSERT_FALSE(dir);
  EXPECT_EQ(dir.error().message, "is a directory, not a config file");
}

TEST(ConfigFile, CommentsInsideAListAreNotItems) {
  auto entries = parse_config_text(
      "[llm]\n"
      "script = [ ; the replies\n"
      "  \"Hello.\",\n"
      "; \"Goodbye.\", don't say this one\n"
      "  \"Bye; then.\", # the last\n"
      "]\n");
  ASSERT_TRUE(entries) << entries.error().message;
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].value, "[\n\"Hello.\",\n\"Bye; then.\",\n]");
}
