#include "protocol/call_profiles.hpp"

#include "protocol/voipbin_resources.hpp"

#include <gtest/gtest.h>

#include <algorithm>

using namespace parley;
using namespace parley::profiles;

namespace {

// 0 sales: destination +15550111; 1 gold: tier=gold; 2 vip: source +15550100;
// 3 support: destination +15550122, tier=silver, source +15550133.
std::vector<rule> rules() {
  return {
      {{"+15550111"}, {}, {}},
      {{}, {{"tier", "gold"}}, {}},
      {{}, {}, {"+15550100"}},
      {{"+15550122"}, {{"tier", "silver"}}, {"+15550133"}},
  };
}

}  // namespace

TEST(CallProfiles, NoRuleMatchesGivesTheDefault) {
  EXPECT_EQ(select(rules(), {"+19990000", "+19990001", {}}), std::nullopt);
  EXPECT_EQ(select({}, {"+15550100", "+15550111", {{"tier", "gold"}}}), std::nullopt);
  EXPECT_EQ(select(rules(), {"", "", {{"tier", "bronze"}}}), std::nullopt);
}

TEST(CallProfiles, EachKindMatches) {
  EXPECT_EQ(select(rules(), {"+19990000", "+15550111", {}}), 0u);
  EXPECT_EQ(select(rules(), {"+19990000", "+19990001", {{"tier", "gold"}}}), 1u);
  EXPECT_EQ(select(rules(), {"+15550100", "+19990001", {}}), 2u);
  EXPECT_EQ(select(rules(), {"+15550133", "+19990001", {}}), 3u);
}

TEST(CallProfiles, DestinationBeatsVariableBeatsSource) {
  // A call to sales from vip's number with gold's variable: sales.
  EXPECT_EQ(select(rules(), {"+15550100", "+15550111", {{"tier", "gold"}}}), 0u);
  // No destination rule: the variable wins over the source.
  EXPECT_EQ(select(rules(), {"+15550100", "+19990001", {{"tier", "gold"}}}), 1u);
  // support's own variable beats vip's source, though vip comes first in the configuration.
  EXPECT_EQ(select(rules(), {"+15550100", "+19990001", {{"tier", "silver"}}}), 3u);
}

TEST(CallProfiles, WithinAKindTheFirstProfileWins) {
  std::vector<rule> r = {{{}, {{"lang", "de"}}, {}}, {{}, {{"tier", "gold"}}, {}}};
  EXPECT_EQ(select(r, {"", "", {{"tier", "gold"}, {"lang", "de"}}}), 0u);
  std::reverse(r.begin(), r.end());
  EXPECT_EQ(select(r, {"", "", {{"tier", "gold"}, {"lang", "de"}}}), 0u);
}

TEST(CallProfiles, AnEmptyTargetNeverMatches) {
  std::vector<rule> r = {{{""}, {}, {""}}};
  EXPECT_EQ(select(r, {"", "", {}}), std::nullopt);
}

TEST(CallProfiles, VariablesMatterOnlyWithoutADestinationMatch) {
  EXPECT_TRUE(variables_matter(rules(), {"+15550100", "+19990001", {}}));
  EXPECT_FALSE(variables_matter(rules(), {"+15550100", "+15550111", {}}));
  std::vector<rule> no_variables = {{{"+15550111"}, {}, {"+15550100"}}};
  EXPECT_FALSE(variables_matter(no_variables, {"+15550100", "+19990001", {}}));
  EXPECT_FALSE(variables_matter({}, {}));
}

TEST(CallProfiles, VariableMatchesAreNameEqualsValue) {
  auto m = parse_variable_match("tier=gold");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->name, "tier");
  EXPECT_EQ(m->value, "gold");
  auto eq = parse_variable_match("expr=a=b");
  ASSERT_TRUE(eq);
  EXPECT_EQ(eq->value, "a=b");
  auto empty = parse_variable_match("flag=");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->value, "");
  EXPECT_FALSE(parse_variable_match("tier"));
  EXPECT_FALSE(parse_variable_match("=gold"));
  EXPECT_FALSE(parse_variable_match("my tier=gold"));
}

TEST(CallProfiles, TargetsAreCheckedForBlanks) {
  EXPECT_EQ(check_target("+15550111"), std::nullopt);
  EXPECT_NE(check_target(""), std::nullopt);
  EXPECT_NE(check_target("+1 555 0111"), std::nullopt);
}

TEST(CallProfiles, CallVariablesBodiesAreParsed) {
  auto v = parse_call_variables(
      R"({"type":"call_variables","data":{"call_id":"c1","variables":{"tier":"gold","lang":"de"}}})");
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->call_id, "c1");
  EXPECT_EQ(v->variables.at("tier"), "gold");
  EXPECT_EQ(v->variables.size(), 2u);
  EXPECT_TRUE(is_call_variables(R"({"type":"call_variables"})"));
  EXPECT_FALSE(is_call_variables(R"({"type":"call_progressing"})"));
}

TEST(CallProfiles, MalformedCallVariablesAreRefused) {
  for (const char* body : {
           "not json",
           "[]",
           R"({"type":"call_progressing","data":{"call_id":"c1","variables":{}}})",
           R"({"type":"call_variables"})",
           R"({"type":"call_variables","data":{"variables":{}}})",
           R"({"type":"call_variables","data":{"call_id":"","variables":{}}})",
           R"({"type":"call_variables","data":{"call_id":"c1"}})",
           R"({"type":"call_variables","data":{"call_id":"c1","variables":[]}})",
           R"({"type":"call_variables","data":{"call_id":"c1","variables":{"tier":7}}})",
       })
    EXPECT_FALSE(parse_call_variables(body)) << body;
  std::string many = R"({"type":"call_variables","data":{"call_id":"c1","variables":{)";
  for (int i = 0; i < 65; ++i) many += (i ? "," : "") + std::string("\"v") + std::to_string(i) + "\":\"x\"";
  EXPECT_FALSE(parse_call_variables(many + "}}}"));
}

TEST(CallProfiles, ACallsNumbersAreItsSourceAndDestinationTargets) {
  auto c = voipbin::parse_call(
      R"({"id":"0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d","status":"progressing",)"
      R"("source":{"type":"tel","target":"+15550100"},"destination":{"type":"tel","target":"+15550111"}})");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->source, "+15550100");
  EXPECT_EQ(c->destination, "+15550111");
  auto bare =
      voipbin::parse_call(R"({"id":"0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d","source":"x","destination":{}})");
  ASSERT_TRUE(bare) << bare.error().message;
  EXPECT_EQ(bare->source, "");
  EXPECT_EQ(bare->destination, "");
}
