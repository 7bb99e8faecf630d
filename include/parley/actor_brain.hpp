#pragma once
// A brain as a CAF 0.17 actor, for authors who want the actor model itself: the typed brain
// protocol every brain speaks, parley's built-ins included. parley spawns one per call with
// the factory registered by registry::add_actor_brain (parley/plugin.hpp), monitors it like
// its own brains (one that dies is restarted; its turn fails) and stops it when the call ends.
// Part of the extension API (PARLEY_PLUGIN_API_VERSION).
//
// Every message carries the turn epoch; anything older than the newest is stale and dropped by
// the supervisor, so a brain does not need to be exact about cancellation, only to stop
// spending work.

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "parley/brain.hpp"
#include "parley/brain_atoms.hpp"
#include "parley/chat.hpp"

namespace caf {
class actor_system;
}

namespace parley::plugin {

// What a brain says back: the call supervisor's side of the protocol.
using brain_listener_actor = caf::typed_actor<
    // (epoch): the first text of the reply arrived (feeds the latency metrics)
    caf::reacts_to<atoms::first_token, uint64_t>,
    // (epoch, text): one complete sentence, in order, as early as possible
    caf::reacts_to<atoms::sentence, uint64_t, std::string>,
    // (epoch, full text): the reply is complete
    caf::reacts_to<atoms::reply, uint64_t, std::string>,
    // (epoch, text, calls): the model said `text`, then called these tools; the reply goes on
    // with a new think of the same epoch once their results are in the history
    caf::reacts_to<atoms::tool_calls, uint64_t, std::string, std::vector<tool_call>>,
    // (epoch, why): the reply failed; the caller hears agent.error-prompt
    caf::reacts_to<atoms::reply_error, uint64_t, std::string>,
    // (epoch, steady-clock ns): optional, the model request was written (latency stamps)
    caf::reacts_to<atoms::llm_written, uint64_t, int64_t>>;

// The brain itself.
using brain_actor = caf::typed_actor<
    // (epoch, history): answer the last message of the history
    caf::reacts_to<atoms::think, uint64_t, chat_history>,
    // (epoch): the caller cut the reply of that epoch off; sent with high priority
    caf::reacts_to<atoms::cancel, uint64_t>>;

struct actor_brain_context {
  brain_listener_actor listener;  // the call supervisor; send the replies here
  brain_env env;                  // env.http is null: an actor brain does its own I/O
};

// Spawns the brain of one call in `sys`; parley monitors the handle it returns.
struct actor_brain_factory {
  std::function<brain_actor(caf::actor_system& sys, actor_brain_context ctx)> spawn;
};

}  // namespace parley::plugin
