// A plugin whose brain takes a built-in's name.

#include <parley/plugin.hpp>

namespace {

void register_all(parley::plugin::registry& r) {
  r.add_brain("openai",
              [](const parley::plugin::brain_env&) { return std::unique_ptr<parley::plugin::brain>{}; });
}

}  // namespace

PARLEY_PLUGIN(register_all)
