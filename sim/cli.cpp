#include "sim/cli.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

namespace parley::sim {

cli_args parse_cli(int argc, char** argv, const std::vector<std::string>& known,
                   const std::vector<std::string>& flags) {
  cli_args out;
  auto is = [](const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  };
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0) {
      out.error = "unexpected argument '" + a + "'";
      return out;
    }
    auto eq = a.find('=');
    std::string name = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    if (is(flags, name)) {
      out.values[name].push_back("true");
      continue;
    }
    if (!is(known, name)) {
      out.error = "unknown option '--" + name + "'";
      return out;
    }
    if (eq != std::string::npos) {
      out.values[name].push_back(a.substr(eq + 1));
    } else if (i + 1 < argc) {
      out.values[name].push_back(argv[++i]);
    } else {
      out.error = "option '--" + name + "' needs a value";
      return out;
    }
  }
  return out;
}

std::optional<double> cli_args::number(const std::string& name, double fallback) const {
  auto text = get(name, "");
  if (text.empty()) return fallback;
  try {
    std::size_t used = 0;
    auto v = std::stod(text, &used);
    if (v >= 0 && used == text.size()) return v;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

result<std::vector<scripted_call>> parse_call_script(const std::string& json_text) {
  using nlohmann::json;
  auto j = json::parse(json_text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("calls") || !j["calls"].is_array())
    return fail("not a JSON object with a \"calls\" array");
  std::vector<scripted_call> out;
  for (const auto& c : j["calls"]) {
    auto where = "call " + std::to_string(out.size() + 1);
    if (!c.is_object()) return fail(where + ": not an object");
    scripted_call call;
    auto u = c.find("utterances");
    if (u != c.end() && !u->is_array()) return fail(where + ": \"utterances\" is not an array");
    if (u != c.end())
      for (const auto& turn : *u) {
        if (turn.is_string()) {
          call.utterances.emplace_back(turn.get<std::string>());
          continue;
        }
        auto text = turn.is_object() ? turn.find("text") : turn.end();
        if (!turn.is_object() || text == turn.end() || !text->is_string())
          return fail(where + ": a turn is neither a string nor an object with a \"text\" string");
        caller_turn t{text->get<std::string>()};
        if (auto after = turn.find("interrupt_after_ms"); after != turn.end()) {
          if (!after->is_number_integer() || after->get<long long>() < 0)
            return fail(where + ": \"interrupt_after_ms\" must be a whole number >= 0");
          t.interrupt_after = std::chrono::milliseconds(after->get<long long>());
        }
        if (auto after = turn.find("follow_after_ms"); after != turn.end()) {
          if (!after->is_number_integer() || after->get<long long>() < 0)
            return fail(where + ": \"follow_after_ms\" must be a whole number >= 0");
          t.follow_after = std::chrono::milliseconds(after->get<long long>());
        }
        if (auto final = turn.find("final"); final != turn.end()) {
          if (!final->is_boolean()) return fail(where + ": \"final\" must be true or false");
          t.final = final->get<bool>();
        }
        call.utterances.push_back(std::move(t));
      }
    for (auto [name, flag] : std::initializer_list<std::pair<std::string, bool*>>{
             {"confbridge", &call.confbridge}, {"transfer_answers", &call.transfer_answers}})
      if (auto v = c.find(name); v != c.end()) {
        if (!v->is_boolean()) return fail(where + ": \"" + name + "\" must be true or false");
        *flag = v->get<bool>();
      }
    out.push_back(std::move(call));
  }
  if (out.empty()) return fail("\"calls\" is empty");
  return out;
}

}  // namespace parley::sim
