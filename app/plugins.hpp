#pragma once
// agent.plugins: the shared libraries parley loads at start-up (docs/extending.md). Each
// registers its brains and call observers through its one entry point (parley/plugin.hpp);
// then the registries are frozen.

#include <optional>
#include <string>
#include <vector>

#include "protocol/result.hpp"

namespace parley {

// Loads each library in order. The first that cannot be loaded, has no entry point, was built
// for another extension API version or registers a taken name is the failure, one line:
// "agent.plugins: <path>: <problem>". What loaded before stays loaded (start-up stops anyway).
std::optional<failure> load_plugins(const std::vector<std::string>& paths);

// No more brains or observers from now on (the server runs).
void freeze_registries();

}  // namespace parley
