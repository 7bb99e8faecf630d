#pragma once
// The brain answers the caller. It is a behaviour chosen by name (llm.provider); parley ships
// `openai`, `anthropic`, `script` and `echo`; plugins add theirs (parley/plugin.hpp), and a
// custom binary may register a behaviour with brain_registry::add.
//
// Protocol (every message carries the turn epoch; anything older than the newest is stale;
// declared as typed actors in parley/actor_brain.hpp):
//   in   (think_atom, uint64_t epoch, chat_history)  answer the last user message
//        (cancel_atom, uint64_t epoch)                abort the reply of that epoch (sent high
//                                                     priority on barge-in)
//   out  (first_token_atom, epoch)                    first text arrived from the model
//        (sentence_atom, epoch, std::string)          one complete sentence, in order
//        (reply_atom, epoch, std::string)             the reply is complete (its whole text)
//        (tool_calls_atom, epoch, std::string,        the model said the text, then called these
//         std::vector<tool_call>)                     tools: the reply goes on with a new think of
//                                                     the same epoch once their results are in the
//                                                     history (a brain offers rt->agent.offered_tools)
//        (reply_error_atom, epoch, std::string)       the reply failed; the reason is for logs
//        (llm_written_atom, epoch, int64_t ns)        optional: the model request was written
//                                                     (steady clock), for the latency stamps

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/behavior.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/local_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "actors/atoms.hpp"
#include "actors/messages.hpp"
#include "actors/runtime.hpp"
#include "parley/actor_brain.hpp"

namespace parley {

struct brain_context {
  std::shared_ptr<const runtime> rt;
  caf::actor_addr parent;  // where the replies go (the call supervisor), held weakly
  std::string call_id;
  std::string source, destination;  // the call's numbers, when VoIPBIN sent them
};

// Sends the out-messages of the protocol from the brain `self` (any actor pointer, typed or not)
// to the supervisor, held weakly; each send is checked against the listener's interface.
template <class Self>
class brain_output {
 public:
  brain_output(Self self, caf::actor_addr parent) : self_(self), parent_(std::move(parent)) {}
  void first_token(uint64_t epoch) { send(atoms::first_token_v, epoch); }
  void sentence(uint64_t epoch, std::string text) { send(atoms::sentence_v, epoch, std::move(text)); }
  void done(uint64_t epoch, std::string full_text) { send(atoms::reply_v, epoch, std::move(full_text)); }
  void tool_calls(uint64_t epoch, std::string text, std::vector<tool_call> calls) {
    send(atoms::tool_calls_v, epoch, std::move(text), std::move(calls));
  }
  void error(uint64_t epoch, std::string why) { send(atoms::reply_error_v, epoch, std::move(why)); }

 private:
  template <class... Ts>
  void send(Ts&&... xs) {
    if (auto p = caf::actor_cast<plugin::brain_listener_actor>(parent_))
      self_->send(p, std::forward<Ts>(xs)...);
  }

  Self self_;
  caf::actor_addr parent_;
};

using brain_factory = std::function<caf::behavior(caf::event_based_actor*, brain_context)>;
// Spawns a brain monitored by `parent` (the plugin hosts, actors/plugin_brain_host.hpp).
using brain_spawner = std::function<caf::actor(caf::local_actor* parent, brain_context ctx)>;

class brain_registry {
 public:
  // The registry `parley` starts with: openai, anthropic, script, echo.
  static brain_registry& global();

  // A typed brain behaviour, like the built-ins.
  template <class Handle>
  bool add_typed(std::string name,
                 typename Handle::behavior_type (*fun)(typename Handle::pointer, brain_context)) {
    return add_spawner(std::move(name), [fun](caf::local_actor* parent, brain_context ctx) {
      return caf::actor_cast<caf::actor>(parent->spawn<caf::monitored>(fun, std::move(ctx)));
    });
  }
  // Both return false, and change nothing, when the name is taken or the registry is frozen.
  bool add(std::string name, brain_factory factory);
  bool add_spawner(std::string name, brain_spawner spawner);
  // No more names once the server runs: brains are looked up from every call's actors.
  void freeze() { frozen_ = true; }
  bool frozen() const { return frozen_; }
  bool contains(const std::string& name) const { return spawners_.count(name) > 0; }
  std::vector<std::string> names() const;
  // Spawns the named brain, monitored by `parent`. The name must be registered.
  caf::actor spawn(caf::local_actor* parent, const std::string& name, brain_context ctx) const;

 private:
  std::map<std::string, brain_spawner> spawners_;
  bool frozen_ = false;
};

// The brain of a call: rt->llm.provider, or, when rt->llm.fallback names a provider, a
// fallback brain in front of both (fallback_brain.cpp). Monitored by `parent`.
plugin::brain_actor spawn_brain(caf::local_actor* parent, brain_context ctx);

// Built-in behaviours (the streaming ones, openai and anthropic, in streaming_brain.hpp).
plugin::brain_actor::behavior_type script_brain(plugin::brain_actor::pointer self, brain_context ctx);
plugin::brain_actor::behavior_type echo_brain(plugin::brain_actor::pointer self, brain_context ctx);

}  // namespace parley
