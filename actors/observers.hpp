#pragma once
// Call observers (parley/observer.hpp): the registry of their factories, and the actors that
// host them for one call. The call supervisor reports each event with notify(); an observer
// cannot slow the call or break it.

#include <caf/fwd.hpp>
#include <map>
#include <string>
#include <vector>

#include "actors/interfaces.hpp"
#include "actors/runtime.hpp"
#include "parley/observer.hpp"

namespace parley {

class observer_registry {
 public:
  // Starts empty: parley has no built-in observer; plugins add theirs.
  static observer_registry& global();

  // False, and nothing changes, when the name is taken or the registry is frozen.
  bool add(std::string name, plugin::observer_factory factory);
  void freeze() { frozen_ = true; }
  bool contains(const std::string& name) const { return factories_.count(name) > 0; }
  std::vector<std::string> names() const;
  const plugin::observer_factory& at(const std::string& name) const { return factories_.at(name); }

 private:
  std::map<std::string, plugin::observer_factory> factories_;
  bool frozen_ = false;
};

// One actor per name in rt.agent.observers, each watching `supervisor` (an observer whose call
// supervisor is gone without an `ended` event gets one).
std::vector<call_observer_actor> spawn_observers(caf::local_actor* supervisor, const runtime& rt,
                                                 const plugin::call_info& call);

// Milliseconds since 1970 (UTC): when an event happened.
int64_t unix_ms_now();

// Sends `ev` (stamped with the time now, unless it is already) to every observer of the call, in the order of
// the calls (they come from one thread: the supervisor's).
void notify(const std::vector<call_observer_actor>& observers, plugin::call_event ev);

}  // namespace parley
