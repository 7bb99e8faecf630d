#include "sim/cli.hpp"

#include <algorithm>

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

}  // namespace parley::sim
