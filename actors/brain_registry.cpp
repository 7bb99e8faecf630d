#include <caf/all.hpp>

#include "actors/atoms.hpp"
#include "actors/brain.hpp"
#include "actors/messages.hpp"
#include "actors/streaming_brain.hpp"

namespace parley {

brain_registry& brain_registry::global() {
  static brain_registry registry = [] {
    brain_registry r;
    r.add_typed<streaming_brain_actor>("openai", openai_brain);
    r.add_typed<streaming_brain_actor>("anthropic", anthropic_brain);
    r.add_typed<plugin::brain_actor>("script", script_brain);
    r.add_typed<plugin::brain_actor>("echo", echo_brain);
    return r;
  }();
  return registry;
}

bool brain_registry::add(std::string name, brain_factory factory) {
  return add_spawner(
      std::move(name), [factory = std::move(factory)](caf::local_actor* parent, brain_context ctx) {
        return parent->spawn<caf::monitored>(
            [factory](caf::event_based_actor* self, brain_context c) { return factory(self, std::move(c)); },
            std::move(ctx));
      });
}

bool brain_registry::add_spawner(std::string name, brain_spawner spawner) {
  if (frozen_ || spawners_.count(name)) return false;
  spawners_.emplace(std::move(name), std::move(spawner));
  return true;
}

std::vector<std::string> brain_registry::names() const {
  std::vector<std::string> out;
  for (const auto& [name, _] : spawners_) out.push_back(name);
  return out;
}

caf::actor brain_registry::spawn(caf::local_actor* parent, const std::string& name, brain_context ctx) const {
  return spawners_.at(name)(parent, std::move(ctx));
}

}  // namespace parley
