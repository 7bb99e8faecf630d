#pragma once
// A brain in plain C++: parley hosts it in an actor of its own, one per call, and gives it
// the conversation turn by turn. No CAF knowledge needed. Part of the extension API
// (PARLEY_PLUGIN_API_VERSION); register it with registry::add_brain (parley/plugin.hpp).
//
// Threads: every callback (on_turn, on_cancel, on_call_end, an HTTP completion) runs on the
// brain's own actor, one at a time, so a brain needs no locks, and must never block. A
// turn_sink may also be used from a thread of the brain's own.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "parley/call.hpp"
#include "parley/chat.hpp"
#include "parley/http.hpp"

namespace parley::plugin {

// The llm.* settings of the call's profile: a brain may use them (e.g. llm.base-url as its
// service's address) or ignore them.
struct model_settings {
  std::string provider;  // the brain's registered name
  std::string base_url;
  std::string api_key;  // a secret: never log it
  std::string model;
};

// What a brain is given when its call starts. Valid for the brain's whole life.
struct brain_env {
  call_info call;
  model_settings model;
  std::string system_prompt;                    // agent.system-prompt (also the history's first message)
  std::vector<tool_definition> tools;           // the tools the call may use (agent.tools, agent.tools-file)
  http_client* http = nullptr;                  // never null; completions run on the brain's actor
  std::function<void(const std::string&)> log;  // an info line, tagged with the call and brain
};

// Where a brain puts one turn's answer. Calls after the turn ended (done, call_tools, fail,
// hand_over) or was cancelled by the caller are ignored, so a late answer is harmless.
class turn_sink {
 public:
  virtual ~turn_sink() = default;
  // Text of the reply, in order, in pieces of any size: parley cuts it into sentences and
  // speaks each one as soon as it is complete.
  virtual void say(const std::string& text) = 0;
  // The reply is complete.
  virtual void done() = 0;
  // Ends the turn with these tool calls, made after what say() sent. parley runs them
  // (docs/tools.md), adds the calls and their results to the history and calls on_turn again
  // with a new sink: what the brain says then is the rest of the same reply.
  virtual void call_tools(std::vector<tool_call> calls) = 0;
  // The turn failed: the caller hears agent.error-prompt, `why` goes to the log.
  virtual void fail(const std::string& why) = 0;
  // Lets another registered brain (e.g. "openai") answer this turn from the same history. It is
  // started with the call's settings the first time and kept for the rest of the call.
  virtual void hand_over(const std::string& brain) = 0;
  // True once the turn is over or the caller cut it off: stop working on it.
  virtual bool cancelled() const = 0;
};

class brain {
 public:
  virtual ~brain() = default;
  // Answer the last message of `history` through `sink`, now or later (keep the pointer).
  virtual void on_turn(const chat_history& history, std::shared_ptr<turn_sink> sink) = 0;
  // The caller interrupted the turn in progress (barge-in): its sink is already dead; stop
  // spending work on it (e.g. cancel its HTTP request).
  virtual void on_cancel() {}
  // The call is over; the brain is destroyed right after.
  virtual void on_call_end() {}
};

// Makes the brain of one call.
using brain_factory = std::function<std::unique_ptr<brain>(const brain_env& env)>;

}  // namespace parley::plugin
