#include "app/plugins.hpp"

#include <dlfcn.h>
#include <spdlog/spdlog.h>
#include <filesystem>

#include "actors/brain.hpp"
#include "actors/observers.hpp"
#include "actors/plugin_brain_host.hpp"
#include "parley/actor_brain.hpp"
#include "parley/plugin.hpp"

namespace parley {

namespace {

// The registry a plugin's entry point is given; it records what the plugin got wrong.
class loading_registry final : public plugin::registry {
 public:
  void add_brain(const std::string& name, plugin::brain_factory factory) override {
    if (!factory) return refuse("brain", name, "has no factory");
    if (!brain_registry::global().add_spawner(name, plain_brain_spawner(name, std::move(factory))))
      refuse("brain", name, taken_or_frozen(brain_registry::global().frozen()));
  }
  void add_actor_brain(const std::string& name, const plugin::actor_brain_factory& factory) override {
    if (!factory.spawn) return refuse("brain", name, "has no factory");
    if (!brain_registry::global().add_spawner(name, actor_brain_spawner(name, factory)))
      refuse("brain", name, taken_or_frozen(brain_registry::global().frozen()));
  }
  void add_observer(const std::string& name, plugin::observer_factory factory) override {
    if (!factory) return refuse("observer", name, "has no factory");
    if (!observer_registry::global().add(name, std::move(factory)))
      refuse("observer", name, taken_or_frozen(frozen_));
  }

  std::vector<std::string> take_errors() { return std::exchange(errors_, {}); }
  void freeze() { frozen_ = true; }

 private:
  static std::string taken_or_frozen(bool frozen) {
    return frozen ? "comes after start-up (the registry is frozen)" : "is registered twice";
  }
  void refuse(const char* kind, const std::string& name, const std::string& why) {
    auto line = std::string(kind) + " '" + name + "' " + why;
    if (frozen_) spdlog::error("a plugin registered a {} after start-up: ignored", kind);
    errors_.push_back(std::move(line));
  }

  std::vector<std::string> errors_;
  bool frozen_ = false;
};

loading_registry& registry() {
  static loading_registry r;
  return r;
}

}  // namespace

std::optional<failure> load_plugins(const std::vector<std::string>& paths) {
  for (const auto& path : paths) {
    auto problem = [&](const std::string& what) { return failure{"agent.plugins: " + path + ": " + what}; };
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return problem("no such file");
    // A bare name would be searched for in the library path: it means the file here.
    auto file = path.find('/') == std::string::npos ? "./" + path : path;
    // Never unloaded: its code runs in actors until the process ends.
    void* lib = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (!lib) return problem(std::string("cannot be loaded: ") + dlerror());
    auto* entry = reinterpret_cast<parley_plugin_entry_fn*>(dlsym(lib, PARLEY_PLUGIN_ENTRY_SYMBOL));
    if (!entry)
      return problem("has no " PARLEY_PLUGIN_ENTRY_SYMBOL
                     " (define it with PARLEY_PLUGIN, parley/plugin.hpp)");
    int version = entry(PARLEY_PLUGIN_API_VERSION, &registry());
    if (version != PARLEY_PLUGIN_API_VERSION)
      return problem("built for extension API version " + std::to_string(version) +
                     ", this parley implements " + std::to_string(PARLEY_PLUGIN_API_VERSION) +
                     ": rebuild it against this parley's include/parley");
    if (auto errors = registry().take_errors(); !errors.empty()) return problem(errors.front());
    spdlog::debug("plugin {} loaded", path);
  }
  return std::nullopt;
}

void freeze_registries() {
  registry().freeze();
  brain_registry::global().freeze();
  observer_registry::global().freeze();
}

}  // namespace parley
