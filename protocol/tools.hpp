#pragma once
// The tools an agent may call (docs/tools.md): the built-in ones (agent.tools) and the HTTP
// tools of agent.tools-file.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/chat.hpp"
#include "protocol/result.hpp"
#include "protocol/url.hpp"

namespace parley {

// The built-in tools parley runs itself.
inline constexpr std::string_view end_call_tool = "end_call";
inline constexpr std::string_view transfer_call_tool = "transfer_call";

bool is_builtin_tool(std::string_view name);
// What the model is told of a built-in tool; `name` must be one.
tool_definition builtin_tool_definition(std::string_view name);

// A tool of agent.tools-file: parley sends {"call_id", "arguments"} to `target` and gives the
// model the response body.
struct http_tool {
  tool_definition definition;
  url target;
  std::string method = "POST";
  // ${NAME} already replaced from the environment: the values may be secrets, never logged.
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds timeout{10000};
};

// The tool of `tools` named `name`, or nullptr.
const http_tool* find_http_tool(const std::vector<http_tool>& tools, std::string_view name);

// Looks up an environment variable: nullopt when it is not set.
using environment_lookup = std::function<std::optional<std::string>(const std::string& name)>;

// The tools of a tools file (a JSON array), in file order; `env` gives the ${NAME} of header
// values ($$ is a $). The error names the tool (by name, or by its place from 1 when it has no
// usable one) and the field, e.g. "tool 'lookup_order': timeout: must be a number of seconds
// above 0 and at most 300" or "tool 2: name: missing"; it never shows a header's value, nor
// the file's text when the JSON is malformed (only the parser's position).
result<std::vector<http_tool>> parse_tools_file(std::string_view json, const environment_lookup& env);

}  // namespace parley
