#pragma once
// The actor system's configuration, made from parley's validated options. parley reads its
// options itself (app/option_sources): CAF's reader is never run, so no CAF option and no
// caf-application.ini from the working directory slips in unchecked.

#include <caf/actor_system_config.hpp>

#include "app/settings.hpp"

namespace parley {

class parley_config : public caf::actor_system_config {
 public:
  explicit parley_config(const raw_options& raw);
};

}  // namespace parley
