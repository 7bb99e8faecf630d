#include "protocol/tools.hpp"

namespace parley {

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

result<std::vector<http_tool>> parse_tools_file(std::string_view, const environment_lookup&) {
  return fail("tools files are not read yet");
}

}  // namespace parley
