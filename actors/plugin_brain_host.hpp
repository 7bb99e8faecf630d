#pragma once
// How the brains of plugins (parley/plugin.hpp) join the brain registry: a plain C++ brain is
// hosted by one generic actor per call; an actor brain is spawned by its own factory. Both are
// monitored by the call supervisor like the built-ins.

#include <string>

#include "actors/brain.hpp"
#include "parley/actor_brain.hpp"
#include "parley/brain.hpp"

namespace parley {

brain_spawner plain_brain_spawner(std::string name, plugin::brain_factory factory);
brain_spawner actor_brain_spawner(std::string name, plugin::actor_brain_factory factory);

// What a plugin brain is told of its call.
plugin::brain_env brain_env_of(const brain_context& ctx, const std::string& name);

}  // namespace parley
