#include "protocol/tools.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "protocol/spelling.hpp"

namespace parley {

namespace {

using nlohmann::json;

constexpr std::string_view tool_fields[] = {"name",   "description", "parameters", "url",
                                            "method", "headers",     "timeout"};
constexpr double max_timeout_seconds = 300;

// The known field closest to a misspelled one, or empty when none is close.
std::string_view closest_field(std::string_view field) {
  std::string lower;
  for (char c : field) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view best;
  size_t best_distance = std::max<size_t>(2, lower.size() / 4) + 1;
  for (auto known : tool_fields) {
    auto d = edit_distance(lower, known);
    if (d < best_distance) best = known, best_distance = d;
  }
  return best;
}

bool usable_name(const json& name) {
  if (!name.is_string()) return false;
  const auto& text = name.get_ref<const std::string&>();
  if (text.empty() || text.size() > 64) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

// RFC 9110 token characters.
bool header_name_ok(const std::string& name) {
  static constexpr std::string_view extra = "!#$%&'*+-.^_`|~";
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || extra.find(c) != std::string_view::npos;
  });
}

std::string_view type_name(const json& j) {
  switch (j.type()) {
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "an array";
    case json::value_t::string:
      return "a text";
    case json::value_t::boolean:
      return "true or false";
    case json::value_t::null:
      return "null";
    default:
      return "a number";
  }
}

// "not valid JSON: parse error at line 3, column 7: syntax error while parsing ..." without
// the parser's "last read: '…'", which quotes the file.
std::string json_error(const json::parse_error& e, std::string_view text) {
  std::string what = e.what();
  auto start = what.find("parse error");
  if (start != std::string::npos) {
    auto message = what.substr(start);
    auto quote = message.find("; last read:");
    if (quote != std::string::npos) message.resize(quote);
    return "not valid JSON: " + message;
  }
  size_t line = 1, column = 1;
  for (size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {
    if (text[i] == '\n')
      ++line, column = 1;
    else
      ++column;
  }
  return "not valid JSON: parse error at line " + std::to_string(line) + ", column " + std::to_string(column);
}

// `value` with ${NAME} replaced from the environment and $$ made $. The error never shows the
// value.
result<std::string> expand(const std::string& value, const environment_lookup& env) {
  std::string out;
  for (size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (c != '$' || i + 1 == value.size() || (value[i + 1] != '$' && value[i + 1] != '{')) {
      out += c;
      continue;
    }
    if (value[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    auto close = value.find('}', i + 2);
    auto name = close == std::string::npos ? std::string() : value.substr(i + 2, close - i - 2);
    bool name_ok = !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0])) &&
                   std::all_of(name.begin(), name.end(), [](char ch) {
                     return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_';
                   });
    if (!name_ok)
      return fail(
          "a ${ is not followed by an environment variable's name and } (letters, digits and _; "
          "write $$ for a $)");
    auto found = env ? env(name) : std::nullopt;
    if (!found) return fail("the environment variable " + name + " is not set");
    out += *found;
    i = close;
  }
  return out;
}

result<http_tool> parse_tool(const json& item, size_t place, std::set<std::string>& names,
                             const environment_lookup& env) {
  std::string label = "tool " + std::to_string(place);
  auto bad = [&](std::string_view field, const std::string& what) {
    return fail(label + ": " + std::string(field) + ": " + what);
  };
  if (!item.is_object()) return fail(label + ": must be an object, not " + std::string(type_name(item)));
  auto name_it = item.find("name");
  if (name_it != item.end() && usable_name(*name_it)) label = "tool '" + name_it->get<std::string>() + "'";

  for (const auto& [field, _] : item.items()) {
    if (std::find(std::begin(tool_fields), std::end(tool_fields), field) != std::end(tool_fields)) continue;
    auto guess = closest_field(field);
    std::string known;
    for (auto f : tool_fields) known += (known.empty() ? "" : ", ") + std::string(f);
    return bad(field, guess.empty() ? "unknown field (known: " + known + ")"
                                    : "unknown field; did you mean " + std::string(guess) + "?");
  }

  http_tool tool;
  if (name_it == item.end()) return bad("name", "missing");
  if (!name_it->is_string()) return bad("name", "must be a text, not " + std::string(type_name(*name_it)));
  if (!usable_name(*name_it))
    return bad("name", "'" + name_it->get<std::string>() + "' is not 1 to 64 letters, digits, _ or -");
  tool.definition.name = name_it->get<std::string>();
  if (is_builtin_tool(tool.definition.name))
    return bad("name", "is a built-in tool's name (enable built-ins with agent.tools)");
  if (!names.insert(tool.definition.name).second) return bad("name", "another tool has this name too");

  auto description = item.find("description");
  if (description == item.end()) return bad("description", "missing");
  if (!description->is_string() ||
      description->get_ref<const std::string&>().find_first_not_of(" \t\r\n") == std::string::npos)
    return bad("description", "must be a text that is not empty");
  tool.definition.description = description->get<std::string>();

  auto parameters = item.find("parameters");
  if (parameters == item.end()) {
    tool.definition.parameters = R"({"type":"object","properties":{}})";
  } else {
    if (!parameters->is_object())
      return bad("parameters", "must be a JSON Schema object, not " + std::string(type_name(*parameters)));
    auto type = parameters->find("type");
    if (type == parameters->end() || *type != "object")
      return bad("parameters", R"(must be a JSON Schema with "type": "object")");
    tool.definition.parameters = parameters->dump();
  }

  auto address = item.find("url");
  if (address == item.end()) return bad("url", "missing");
  if (!address->is_string()) return bad("url", "must be a text, not " + std::string(type_name(*address)));
  auto target = parse_url(address->get_ref<const std::string&>());
  if (!target) return bad("url", "not a valid URL: " + target.error().message);
  if (target->scheme != "http" && target->scheme != "https")
    return bad("url", "must be an http:// or https:// URL");
  tool.target = *target;

  auto method = item.find("method");
  if (method != item.end()) {
    if (!method->is_string()) return bad("method", "must be one of POST, PUT, PATCH");
    std::string upper;
    for (char c : method->get_ref<const std::string&>())
      upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (upper != "POST" && upper != "PUT" && upper != "PATCH")
      return bad("method", "'" + method->get<std::string>() + "' is not one of POST, PUT, PATCH");
    tool.method = upper;
  }

  auto headers = item.find("headers");
  if (headers != item.end()) {
    if (!headers->is_object())
      return bad("headers", "must be an object of texts, not " + std::string(type_name(*headers)));
    for (const auto& [header, value] : headers->items()) {
      if (!header_name_ok(header)) return bad("headers", "'" + header + "' is not a valid header name");
      if (!value.is_string())
        return bad("headers", header + ": must be a text, not " + std::string(type_name(value)));
      // The value and what it expands to may be secrets: never in an error.
      auto expanded = expand(value.get_ref<const std::string&>(), env);
      if (!expanded) return bad("headers", header + ": " + expanded.error().message);
      if (expanded->find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos)
        return bad("headers", header + ": the value has a line break or NUL (not shown)");
      tool.headers.emplace_back(header, std::move(*expanded));
    }
  }

  auto timeout = item.find("timeout");
  if (timeout != item.end()) {
    double seconds = timeout->is_number() ? timeout->get<double>() : 0;
    if (!timeout->is_number() || !(seconds > 0) || seconds > max_timeout_seconds)
      return bad("timeout", "must be a number of seconds above 0 and at most 300");
    tool.timeout = std::chrono::milliseconds(std::max(1LL, std::llround(seconds * 1000)));
  }
  return tool;
}

}  // namespace

bool is_builtin_tool(std::string_view name) {
  return name == end_call_tool || name == transfer_call_tool;
}

tool_definition builtin_tool_definition(std::string_view name) {
  if (name == end_call_tool)
    return {std::string(end_call_tool),
            "End the phone call. Call it when the caller is done or asks to hang up, after saying "
            "goodbye in the same reply.",
            R"({"type":"object","properties":{}})"};
  return {std::string(transfer_call_tool),
          "Transfer the caller to a person. Call it when the caller asks for a human or you cannot "
          "help them.",
          R"({"type":"object","properties":{}})"};
}

result<std::vector<http_tool>> parse_tools_file(std::string_view text, const environment_lookup& env) {
  json doc;
  try {
    doc = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    return fail(json_error(e, text));
  }
  if (!doc.is_array()) return fail("must be a JSON array of tools, not " + std::string(type_name(doc)));
  std::vector<http_tool> tools;
  std::set<std::string> names;
  for (size_t i = 0; i < doc.size(); ++i) {
    auto tool = parse_tool(doc[i], i + 1, names, env);
    if (!tool) return tool.error();
    tools.push_back(std::move(*tool));
  }
  return tools;
}

const http_tool* find_http_tool(const std::vector<http_tool>& tools, std::string_view name) {
  for (const auto& t : tools)
    if (t.definition.name == name) return &t;
  return nullptr;
}

}  // namespace parley
