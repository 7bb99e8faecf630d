#include "actors/observers.hpp"

#include <spdlog/spdlog.h>
#include <caf/all.hpp>
#include <chrono>

#include "actors/atoms.hpp"
#include "actors/messages.hpp"
#include "protocol/metrics.hpp"

namespace parley {

namespace {

struct observer_state {
  static inline const char* name = "call-observer";
  std::string observer;
  std::string call_id;
  metrics* stats = nullptr;
  std::unique_ptr<plugin::call_observer> impl;
  bool ended = false;
  // Only the supervisor holds the observer, and its handles go with it: without this, an
  // observer whose supervisor ends without `ended` would be destroyed before the down message
  // that tells it. Released when the observer quits.
  caf::strong_actor_ptr keep_alive;
};

// Hands `ev` to the observer; what it throws is logged and counted, and the call goes on.
void deliver(observer_state& st, const plugin::call_event& ev) {
  if (!st.impl || st.ended) return;
  st.ended = ev.kind == plugin::call_event_kind::ended;
  try {
    st.impl->on_event(ev);
    return;
  } catch (const std::exception& e) {
    spdlog::warn("call {}: observer '{}' threw on {}: {}", st.call_id, st.observer, to_string(ev.kind),
                 e.what());
  } catch (...) {
    spdlog::warn("call {}: observer '{}' threw on {}", st.call_id, st.observer, to_string(ev.kind));
  }
  if (st.stats) st.stats->observer_errors_total.inc("observer=\"" + st.observer + "\"");
}

call_observer_actor::behavior_type observer_host(call_observer_actor::stateful_pointer<observer_state> self,
                                                 std::string name, plugin::call_info call, metrics* stats,
                                                 caf::actor_addr supervisor) {
  auto& st = self->state;
  st.observer = std::move(name);
  st.call_id = call.call_id;
  st.stats = stats;
  try {
    st.impl = observer_registry::global().at(st.observer)(call);
  } catch (const std::exception& e) {
    spdlog::warn("call {}: observer '{}' could not start: {}", st.call_id, st.observer, e.what());
  }
  if (!st.impl) {
    if (stats) stats->observer_errors_total.inc("observer=\"" + st.observer + "\"");
    self->quit();
    return {[](atoms::call_event, const plugin::call_event&) {}};
  }
  auto supervisor_gone = [self] {
    deliver(self->state,
            {plugin::call_event_kind::ended, "supervisor exited", {}, {}, false, 0, unix_ms_now()});
    self->state.keep_alive = nullptr;
    self->quit();
  };
  self->set_down_handler([supervisor_gone](caf::down_msg&) { supervisor_gone(); });
  if (auto sup = caf::actor_cast<caf::actor>(supervisor)) {
    self->monitor(sup);
    st.keep_alive = caf::actor_cast<caf::strong_actor_ptr>(self);
  } else {
    supervisor_gone();
  }
  return {
      [self](atoms::call_event, const plugin::call_event& ev) {
        deliver(self->state, ev);
        if (!self->state.ended) return;
        self->state.keep_alive = nullptr;
        self->quit();
      },
  };
}

}  // namespace

int64_t unix_ms_now() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

observer_registry& observer_registry::global() {
  static observer_registry registry;
  return registry;
}

bool observer_registry::add(std::string name, plugin::observer_factory factory) {
  if (frozen_ || factories_.count(name)) return false;
  factories_.emplace(std::move(name), std::move(factory));
  return true;
}

std::vector<std::string> observer_registry::names() const {
  std::vector<std::string> out;
  for (const auto& [name, _] : factories_) out.push_back(name);
  return out;
}

std::vector<call_observer_actor> spawn_observers(caf::local_actor* supervisor, const runtime& rt,
                                                 const plugin::call_info& call) {
  std::vector<call_observer_actor> out;
  for (const auto& name : rt.agent.observers)
    out.push_back(supervisor->system().spawn(observer_host, name, call, rt.stats, supervisor->address()));
  return out;
}

void notify(const std::vector<call_observer_actor>& observers, plugin::call_event ev) {
  if (observers.empty()) return;
  if (ev.unix_ms == 0) ev.unix_ms = unix_ms_now();
  for (const auto& o : observers) caf::anon_send(o, atoms::call_event_v, ev);
}

}  // namespace parley
