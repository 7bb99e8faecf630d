#pragma once
// The entry point of a parley plugin: a shared library listed in agent.plugins that registers
// brains and call observers by name. Part of the extension API (PARLEY_PLUGIN_API_VERSION).
//
//   #include <parley/plugin.hpp>
//   static void register_all(parley::plugin::registry& r) {
//     r.add_brain("router", make_router);
//     r.add_observer("turn-log", make_turn_log);
//   }
//   PARLEY_PLUGIN(register_all)
//
// parley loads each plugin once at start-up, before it reads the rest of its configuration,
// and never unloads it. Names share one space with the built-ins (openai, anthropic, script,
// echo); a name registered twice stops start-up. Once the server runs, the registry is frozen.

#include <string>

#include "parley/brain.hpp"
#include "parley/observer.hpp"
#include "parley/version.hpp"

namespace parley::plugin {

struct actor_brain_factory;  // parley/actor_brain.hpp

class registry {
 public:
  // A plain C++ brain (parley/brain.hpp), selected by llm.provider = name.
  virtual void add_brain(const std::string& name, brain_factory factory) = 0;
  // A CAF actor brain (parley/actor_brain.hpp), selected the same way.
  virtual void add_actor_brain(const std::string& name, const actor_brain_factory& factory) = 0;
  // A call observer, enabled by agent.observers = [name, ...].
  virtual void add_observer(const std::string& name, observer_factory factory) = 0;

 protected:
  ~registry() = default;
};

}  // namespace parley::plugin

// The one symbol parley looks up: given the API version parley implements, it registers the
// plugin's behaviours when that is the version it was built for, and returns its own version.
extern "C" {
typedef int parley_plugin_entry_fn(int parley_api_version, parley::plugin::registry* registry);
}
#define PARLEY_PLUGIN_ENTRY_SYMBOL "parley_plugin_entry"

// Defines the entry point; `register_fn` is a function taking parley::plugin::registry&.
#define PARLEY_PLUGIN(register_fn)                                                                      \
  extern "C" __attribute__((visibility("default"))) int parley_plugin_entry(                            \
      int parley_api_version, parley::plugin::registry* registry) {                                     \
    if (parley_api_version == PARLEY_PLUGIN_API_VERSION && registry != nullptr) register_fn(*registry); \
    return PARLEY_PLUGIN_API_VERSION;                                                                   \
  }
