#include "protocol/tools.hpp"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

using namespace parley;

namespace {

const std::map<std::string, std::string> environment = {{"ORDERS_TOKEN", "tok-secret-4711"},
                                                        {"OTHER", "other-secret-0815"}};

std::optional<std::string> lookup(const std::string& name) {
  auto it = environment.find(name);
  if (it == environment.end()) return std::nullopt;
  return it->second;
}

// A file of one tool: a good one with `changes` merged in (a null removes the field).
std::string one_tool(const nlohmann::json& changes = nlohmann::json::object()) {
  nlohmann::json tool = {{"name", "lookup_order"},
                         {"description", "Look up an order."},
                         {"url", "https://shop.example/api/orders"}};
  tool.merge_patch(changes);
  return nlohmann::json::array({tool}).dump();
}

std::string error_of(const std::string& file) {
  auto tools = parse_tools_file(file, lookup);
  return tools ? std::string("<valid>") : tools.error().message;
}

}  // namespace

TEST(ToolsFile, AGoodToolWithEveryField) {
  auto tools = parse_tools_file(R"([{
      "name": "lookup_order",
      "description": "Look up an order by its number.",
      "parameters": {"type": "object", "properties": {"order": {"type": "string"}}, "required": ["order"]},
      "url": "http://orders.example:8080/lookup?v=2",
      "method": "PUT",
      "headers": {"Authorization": "Bearer ${ORDERS_TOKEN}", "X-Price": "$$5 ${OTHER}$"},
      "timeout": 2.5
    }])",
                                lookup);
  ASSERT_TRUE(tools) << tools.error().message;
  ASSERT_EQ(tools->size(), 1u);
  const auto& t = tools->front();
  EXPECT_EQ(t.definition.name, "lookup_order");
  EXPECT_EQ(t.definition.description, "Look up an order by its number.");
  EXPECT_EQ(nlohmann::json::parse(t.definition.parameters),
            nlohmann::json::parse(
                R"({"type": "object", "properties": {"order": {"type": "string"}}, "required": ["order"]})"));
  EXPECT_EQ(t.target.scheme, "http");
  EXPECT_EQ(t.target.host, "orders.example");
  EXPECT_EQ(t.target.port, 8080);
  EXPECT_EQ(t.target.target, "/lookup?v=2");
  EXPECT_EQ(t.method, "PUT");
  ASSERT_EQ(t.headers.size(), 2u);
  EXPECT_EQ(t.headers[0], (std::pair<std::string, std::string>("Authorization", "Bearer tok-secret-4711")));
  EXPECT_EQ(t.headers[1], (std::pair<std::string, std::string>("X-Price", "$5 other-secret-0815$")));
  EXPECT_EQ(t.timeout, std::chrono::milliseconds(2500));
}

TEST(ToolsFile, DefaultsForTheOptionalFields) {
  auto tools = parse_tools_file(one_tool(), lookup);
  ASSERT_TRUE(tools) << tools.error().message;
  const auto& t = tools->front();
  EXPECT_EQ(nlohmann::json::parse(t.definition.parameters),
            nlohmann::json::parse(R"({"type":"object","properties":{}})"));
  EXPECT_EQ(t.method, "POST");
  EXPECT_TRUE(t.headers.empty());
  EXPECT_EQ(t.timeout, std::chrono::seconds(10));
  EXPECT_EQ(t.target.scheme, "https");
  EXPECT_EQ(t.target.port, 443);
}

TEST(ToolsFile, ToolsKeepTheFileOrder) {
  auto tools = parse_tools_file(R"([
      {"name": "b-tool", "description": "B", "url": "https://x.example/b"},
      {"name": "A_tool", "description": "A", "url": "https://x.example/a", "method": "PATCH"},
      {"name": "c", "description": "C", "url": "https://x.example/c", "timeout": 300}])",
                                lookup);
  ASSERT_TRUE(tools) << tools.error().message;
  ASSERT_EQ(tools->size(), 3u);
  EXPECT_EQ((*tools)[0].definition.name, "b-tool");
  EXPECT_EQ((*tools)[1].definition.name, "A_tool");
  EXPECT_EQ((*tools)[1].method, "PATCH");
  EXPECT_EQ((*tools)[2].definition.name, "c");
  EXPECT_EQ((*tools)[2].timeout, std::chrono::seconds(300));
  auto none = parse_tools_file("[]", lookup);
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_TRUE(none->empty());
}

TEST(ToolsFile, NotJsonOrNotAnArray) {
  // The parser's position, not the file's text.
  auto e = error_of("[{\"name\": \"x\",\n  \"description\": trux}]");
  EXPECT_EQ(e.rfind("not valid JSON: parse error at line 2, column ", 0), 0u) << e;
  EXPECT_EQ(e.find("trux"), std::string::npos) << e;
  EXPECT_EQ(e.find("last read"), std::string::npos) << e;
  EXPECT_EQ(error_of("").rfind("not valid JSON: ", 0), 0u);
  EXPECT_EQ(error_of("[1,").rfind("not valid JSON: parse error at line 1, column ", 0), 0u);
  EXPECT_EQ(error_of(R"({"name": "x"})"), "must be a JSON array of tools, not an object");
  EXPECT_EQ(error_of("\"tools\""), "must be a JSON array of tools, not a text");
  EXPECT_EQ(error_of("[1]"), "tool 1: must be an object, not a number");
}

TEST(ToolsFile, Name) {
  EXPECT_EQ(error_of(one_tool({{"name", nullptr}})), "tool 1: name: missing");
  EXPECT_EQ(error_of(one_tool({{"name", 7}})), "tool 1: name: must be a text, not a number");
  EXPECT_EQ(error_of(one_tool({{"name", ""}})), "tool 1: name: '' is not 1 to 64 letters, digits, _ or -");
  EXPECT_EQ(error_of(one_tool({{"name", "look up"}})),
            "tool 1: name: 'look up' is not 1 to 64 letters, digits, _ or -");
  EXPECT_EQ(error_of(one_tool({{"name", std::string(65, 'a')}})).rfind("tool 1: name: ", 0), 0u);
  EXPECT_EQ(error_of(one_tool({{"name", std::string(64, 'a')}})), "<valid>");
  EXPECT_EQ(error_of(one_tool({{"name", "end_call"}})),
            "tool 'end_call': name: is a built-in tool's name (enable built-ins with agent.tools)");
  EXPECT_EQ(
      error_of(one_tool({{"name", "transfer_call"}})).rfind("tool 'transfer_call': name: is a built-in", 0),
      0u);
  // A tool without a usable name is named by its place, counted from 1.
  EXPECT_EQ(error_of(R"([{"name": "a", "description": "A", "url": "https://x.example/"},
                         {"description": "B", "url": "https://x.example/"}])"),
            "tool 2: name: missing");
  EXPECT_EQ(error_of(R"([{"name": "a", "description": "A", "url": "https://x.example/"},
                         {"name": "a", "description": "B", "url": "https://x.example/"}])"),
            "tool 'a': name: another tool has this name too");
}

TEST(ToolsFile, Description) {
  EXPECT_EQ(error_of(one_tool({{"description", nullptr}})), "tool 'lookup_order': description: missing");
  EXPECT_EQ(error_of(one_tool({{"description", ""}})),
            "tool 'lookup_order': description: must be a text that is not empty");
  EXPECT_EQ(error_of(one_tool({{"description", "  "}})),
            "tool 'lookup_order': description: must be a text that is not empty");
  EXPECT_EQ(error_of(one_tool({{"description", true}})),
            "tool 'lookup_order': description: must be a text that is not empty");
}

TEST(ToolsFile, Parameters) {
  EXPECT_EQ(error_of(one_tool({{"parameters", "{}"}})),
            "tool 'lookup_order': parameters: must be a JSON Schema object, not a text");
  EXPECT_EQ(error_of(one_tool({{"parameters", nlohmann::json::array()}})),
            "tool 'lookup_order': parameters: must be a JSON Schema object, not an array");
  EXPECT_EQ(error_of(one_tool({{"parameters", {{"properties", nlohmann::json::object()}}}})),
            R"(tool 'lookup_order': parameters: must be a JSON Schema with "type": "object")");
  EXPECT_EQ(error_of(one_tool({{"parameters", {{"type", "string"}}}})),
            R"(tool 'lookup_order': parameters: must be a JSON Schema with "type": "object")");
  EXPECT_EQ(error_of(one_tool({{"parameters", {{"type", "object"}}}})), "<valid>");
}

TEST(ToolsFile, Url) {
  EXPECT_EQ(error_of(one_tool({{"url", nullptr}})), "tool 'lookup_order': url: missing");
  EXPECT_EQ(error_of(one_tool({{"url", 3}})), "tool 'lookup_order': url: must be a text, not a number");
  EXPECT_EQ(error_of(one_tool({{"url", "/orders"}})).rfind("tool 'lookup_order': url: not a valid URL: ", 0),
            0u);
  EXPECT_EQ(error_of(one_tool({{"url", "ftp://x.example/"}})).rfind("tool 'lookup_order': url: ", 0), 0u);
  EXPECT_EQ(error_of(one_tool({{"url", "wss://x.example/"}})),
            "tool 'lookup_order': url: must be an http:// or https:// URL");
}

TEST(ToolsFile, Method) {
  EXPECT_EQ(error_of(one_tool({{"method", "GET"}})),
            "tool 'lookup_order': method: 'GET' is not one of POST, PUT, PATCH");
  EXPECT_EQ(error_of(one_tool({{"method", 1}})),
            "tool 'lookup_order': method: must be one of POST, PUT, PATCH");
  auto tools = parse_tools_file(one_tool({{"method", "patch"}}), lookup);
  ASSERT_TRUE(tools) << tools.error().message;
  EXPECT_EQ(tools->front().method, "PATCH");
}

TEST(ToolsFile, Timeout) {
  const std::string message =
      "tool 'lookup_order': timeout: must be a number of seconds above 0 and at most 300";
  EXPECT_EQ(error_of(one_tool({{"timeout", 0}})), message);
  EXPECT_EQ(error_of(one_tool({{"timeout", -1}})), message);
  EXPECT_EQ(error_of(one_tool({{"timeout", 300.5}})), message);
  EXPECT_EQ(error_of(one_tool({{"timeout", "5"}})), message);
  EXPECT_EQ(error_of(one_tool({{"timeout", true}})), message);
  auto tools = parse_tools_file(one_tool({{"timeout", 0.25}}), lookup);
  ASSERT_TRUE(tools) << tools.error().message;
  EXPECT_EQ(tools->front().timeout, std::chrono::milliseconds(250));
}

TEST(ToolsFile, UnknownFieldsAreRefusedWithASuggestion) {
  EXPECT_EQ(error_of(one_tool({{"descripton", "x"}})),
            "tool 'lookup_order': descripton: unknown field; did you mean description?");
  EXPECT_EQ(error_of(one_tool({{"header", nlohmann::json::object()}})),
            "tool 'lookup_order': header: unknown field; did you mean headers?");
  EXPECT_EQ(error_of(one_tool({{"secret_sauce", 1}})),
            "tool 'lookup_order': secret_sauce: unknown field (known: name, description, parameters, url, "
            "method, headers, timeout)");
  // Before the name is found missing: "nmae" is the mistake.
  EXPECT_EQ(error_of(one_tool({{"name", nullptr}, {"nmae", "x"}})),
            "tool 1: nmae: unknown field; did you mean name?");
}

TEST(ToolsFile, Headers) {
  EXPECT_EQ(error_of(one_tool({{"headers", "Authorization: x"}})),
            "tool 'lookup_order': headers: must be an object of texts, not a text");
  EXPECT_EQ(error_of(one_tool({{"headers", {{"X-Count", 3}}}})),
            "tool 'lookup_order': headers: X-Count: must be a text, not a number");
  EXPECT_EQ(error_of(one_tool({{"headers", {{"Bad Name", "v"}}}})),
            "tool 'lookup_order': headers: 'Bad Name' is not a valid header name");
  EXPECT_EQ(error_of(one_tool({{"headers", {{"Authorization", "Bearer ${MISSING_TOKEN}"}}}})),
            "tool 'lookup_order': headers: Authorization: the environment variable MISSING_TOKEN is not set");
  EXPECT_EQ(error_of(one_tool({{"headers", {{"Authorization", "Bearer ${ORDERS_TOKEN"}}}}))
                .rfind("tool 'lookup_order': headers: Authorization: a ${ is not followed by", 0),
            0u);
  EXPECT_EQ(error_of(one_tool({{"headers", {{"Authorization", "Bearer ${}"}}}}))
                .rfind("tool 'lookup_order': headers: Authorization: a ${ is not followed by", 0),
            0u);
  // A lone $ is itself; $$ is one $.
  auto tools = parse_tools_file(one_tool({{"headers", {{"X-A", "a$b$$c$"}}}}), lookup);
  ASSERT_TRUE(tools) << tools.error().message;
  EXPECT_EQ(tools->front().headers.front().second, "a$b$c$");
  // A variable holding a line break would split the request.
  auto split = parse_tools_file(one_tool({{"headers", {{"X-A", "${NL}"}}}}), [](const std::string&) {
    return std::optional<std::string>("evil\r\nX-Injected: 1");
  });
  ASSERT_FALSE(split);
  EXPECT_EQ(split.error().message,
            "tool 'lookup_order': headers: X-A: the value has a line break or NUL (not shown)");
}

// Header values (as written, and as expanded from the environment) never appear in an error,
// whichever field the error is about.
TEST(ToolsFile, NoErrorShowsAHeaderValue) {
  const nlohmann::json headers = {{"Authorization", "Bearer literal-secret-1234 ${ORDERS_TOKEN}"},
                                  {"X-Key", "${OTHER}"}};
  std::vector<nlohmann::json> broken = {
      {{"name", nullptr}},
      {{"name", "bad name"}},
      {{"description", nullptr}},
      {{"parameters", 1}},
      {{"url", "nope"}},
      {{"method", "GET"}},
      {{"timeout", 0}},
      {{"extra", 1}},
      {{"headers", {{"X-Key", "${UNSET_ONE}"}}}},
      {{"headers", {{"Authorization", "literal-secret-1234 ${"}}}},
      {{"headers", {{"X-Num", 5}}}},
  };
  for (const auto& change : broken) {
    nlohmann::json all = change;  // a null in it removes that field from the good tool
    auto merged = headers;
    if (all.contains("headers")) merged.update(all["headers"]);
    all["headers"] = merged;
    auto e = error_of(one_tool(all));
    ASSERT_NE(e, "<valid>") << change.dump();
    for (const char* secret : {"literal-secret-1234", "tok-secret-4711", "other-secret-0815", "Bearer"})
      EXPECT_EQ(e.find(secret), std::string::npos) << e;
  }
  auto split = parse_tools_file(one_tool({{"headers", {{"X-A", "${V}"}}}}), [](const std::string&) {
    return std::optional<std::string>("line-secret-99\nmore");
  });
  ASSERT_FALSE(split);
  EXPECT_EQ(split.error().message.find("line-secret-99"), std::string::npos);
}
