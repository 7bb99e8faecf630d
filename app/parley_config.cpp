#include "app/parley_config.hpp"

#include <caf/atom.hpp>
#include <caf/scheduler/coordinator.hpp>
#include <caf/settings.hpp>

#include "app/lean_sharing.hpp"

namespace parley {

parley_config::parley_config(const raw_options& raw) {
  // DESIGN §2: parley's scheduler defaults (sharing, one thread per core) differ from CAF's
  // (stealing, at least 4 threads); validate() has checked both values.
  // caf-sharing is CAF's own work sharing; sharing is parley's leaner version of it.
  set("scheduler.policy", caf::atom_from_string(raw.scheduler_policy == "stealing" ? "stealing" : "sharing"));
  set("scheduler.max-threads", static_cast<size_t>(raw.scheduler_max_threads));
  if (raw.scheduler_policy == "sharing")
    module_factories.push_back([](caf::actor_system& sys) -> caf::actor_system::module* {
      return new caf::scheduler::coordinator<lean_sharing>(sys);
    });
}

}  // namespace parley
