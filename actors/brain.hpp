#pragma once
// The brain answers the caller. It is a behaviour chosen by name (llm.provider); parley ships
// `openai`, `anthropic`, `script` and `echo`, and users register their own with
// brain_registry::add.
//
// Protocol (every message carries the turn epoch; anything older than the newest is stale):
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
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "actors/runtime.hpp"

namespace parley {

struct brain_context {
  std::shared_ptr<const runtime> rt;
  caf::actor_addr parent;  // the call supervisor, held weakly
};

// Sends the out-messages of the protocol to the supervisor.
class brain_output {
 public:
  brain_output(caf::event_based_actor* self, caf::actor_addr parent)
      : self_(self), parent_(std::move(parent)) {}
  void first_token(uint64_t epoch);
  void sentence(uint64_t epoch, std::string text);
  void done(uint64_t epoch, std::string full_text);
  void tool_calls(uint64_t epoch, std::string text, std::vector<tool_call> calls);
  void error(uint64_t epoch, std::string why);

 private:
  caf::event_based_actor* self_;
  caf::actor_addr parent_;
};

using brain_factory = std::function<caf::behavior(caf::event_based_actor*, brain_context)>;

class brain_registry {
 public:
  // The registry `parley` starts with: openai, anthropic, script, echo.
  static brain_registry& global();

  void add(std::string name, brain_factory factory);
  bool contains(const std::string& name) const { return factories_.count(name) > 0; }
  std::vector<std::string> names() const;
  // Spawns the named brain, monitored by `parent`. The name must be registered.
  caf::actor spawn(caf::event_based_actor* parent, const std::string& name, brain_context ctx) const;

 private:
  std::map<std::string, brain_factory> factories_;
};

// The brain of a call: rt->llm.provider, or, when rt->llm.fallback names a provider, a
// fallback brain in front of both (fallback_brain.cpp). Monitored by `parent`.
caf::actor spawn_brain(caf::event_based_actor* parent, brain_context ctx);

// Built-in behaviours.
caf::behavior openai_brain(caf::event_based_actor* self, brain_context ctx);
caf::behavior anthropic_brain(caf::event_based_actor* self, brain_context ctx);
caf::behavior script_brain(caf::event_based_actor* self, brain_context ctx);
caf::behavior echo_brain(caf::event_based_actor* self, brain_context ctx);

}  // namespace parley
