#include "app/parley_config.hpp"

#include <caf/atom.hpp>
#include <caf/settings.hpp>

namespace parley {

parley_config::parley_config(const raw_options& raw) {
  // DESIGN §2: parley's scheduler defaults (sharing, one thread per core) differ from CAF's
  // (stealing, at least 4 threads); validate() has checked both values.
  set("scheduler.policy", caf::atom_from_string(raw.scheduler_policy));
  set("scheduler.max-threads", static_cast<size_t>(raw.scheduler_max_threads));
}

}  // namespace parley
