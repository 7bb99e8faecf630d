#pragma once
// What every actor may use: the validated options and the process-wide services.
// Plain C++ (no CAF) so app/ can fill it and tests can build it.

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "protocol/call_profiles.hpp"
#include "protocol/tools.hpp"
#include "protocol/turn_policy.hpp"
#include "protocol/url.hpp"

namespace parley {

struct metrics;
struct readiness;
class call_journal;

// Cluster mode (docs/scaling.md): which node serves which call, kept in Redis by
// app/cluster_node. Thread-safe; callbacks run on the io thread. Null in cluster.mode=single.
class call_registry {
 public:
  virtual ~call_registry() = default;
  // Claims the call for this node; `done(true)` when it is ours (now or already), false when
  // another node serves it or the claim could not be made.
  virtual void claim(const std::string& call_id, std::function<void(bool ours)> done) = 0;
  // The call is over here and nobody needs to go on with it.
  virtual void release(const std::string& call_id) = 0;
  // What another node needs to go on with the call (protocol/call_checkpoint), after a turn.
  virtual void checkpoint(const std::string& call_id, std::string json) = 0;
  // The call's last checkpoint: `done` gets it, or an empty text when there is none.
  virtual void load_checkpoint(const std::string& call_id, std::function<void(std::string json)> done) = 0;
};
namespace net {
class http_client;
class voipbin_scheduler;
}  // namespace net

struct voipbin_options {
  url api;  // e.g. https://api.voipbin.net/v1.0
  url ws;   // e.g. wss://api.voipbin.net/v1.0/ws
  std::string accesskey;
  std::string customer_id;
  std::chrono::milliseconds request_timeout{10000};
  double rate_limit = 16;  // requests per second (voipbin-api.md §8: 16.7 for access keys)
  double rate_burst = 33;
};

// Which model answers: a brain behaviour and where it reaches its model. Any provider reads
// these from runtime::llm, so a fallback is the same runtime with these four swapped.
struct llm_provider_config {
  std::string provider;  // a registered brain; empty: none
  url base;
  std::string api_key;
  std::string model;
};

struct llm_options {
  std::string provider = "openai";
  url base;  // e.g. https://api.openai.com/v1
  std::string api_key;
  std::string model = "gpt-4o-mini";
  int max_tokens = 0;
  double temperature = -1;
  std::chrono::milliseconds timeout{30000};  // longest wait for the next byte of a reply
  std::vector<std::string> script;           // replies of the `script` provider, in turn
  // Asked when the primary fails before its first text or sends none within
  // first_token_timeout; provider empty: no fallback (the caller hears the error prompt).
  llm_provider_config fallback;
  std::chrono::milliseconds first_token_timeout{3000};
  std::size_t max_history = 50;  // messages sent besides the system prompt(s); older ones dropped
};

struct agent_options {
  std::string system_prompt;
  std::string greeting;
  std::string language = "en-US";
  std::string voice_id;
  std::chrono::milliseconds silence_timeout{30000};
  std::string silence_prompt;
  int silence_max_prompts = 2;  // unanswered prompts before goodbye and hangup; 0: never hang up
  std::string goodbye;
  std::string error_prompt;
  std::size_t max_calls = 1000;
  turn::barge_in_policy barge_in;  // when the caller's speech cuts the agent off (DESIGN §4)
  // A barge-in whose speech brings no words within this is a false interruption: the rest of
  // the reply is said again. An interim that holds an answer back holds it this long. 0: off.
  std::chrono::milliseconds false_interruption_timeout{1500};
  bool barge_in_restart = false;  // barge-in stops the speaking and makes a new one (silent on every TTS)
  std::string tts_provider;       // `provider` of POST /speakings; empty: VoIPBIN's default
  // SIGTERM drains: live calls go on this long, then hear the drain message and are hung up
  // (or released: their sessions stop, the call stays up for another parley to adopt).
  std::chrono::milliseconds drain_timeout{30000};
  std::string drain_message;
  bool drain_release = false;
  // At start-up, take over the live calls no process here serves, an earlier one's history
  // rebuilt (DESIGN §8); false also leaves such calls alone after a reconnect.
  bool adopt_on_start = true;
  // Tools (docs/tools.md): the built-in ones enabled, the HTTP ones of agent.tools-file, and
  // what the model is offered of both (built-ins first). A turn runs at most max_tool_calls.
  std::vector<std::string> builtin_tools;
  std::vector<http_tool> http_tools;
  std::vector<tool_definition> offered_tools;
  int max_tool_calls = 5;
  std::string transfer_to;  // transfer_call's address: tel:+E.164 or sip:…
  std::string transfer_message;
  std::vector<std::string> observers;  // registered call observers, each given every call's events
  // A call no destination profile matches waits this long for its call_variables webhook
  // when a profile matches by variable (docs/configuration.md#profiles).
  std::chrono::milliseconds variables_wait{1000};
};

// An agent profile (docs/configuration.md#profiles): the calls it answers and the per-call
// options it gives them; everything else is the default's.
struct agent_profile {
  std::string name;
  profiles::rule match;
  llm_options llm;
  agent_options agent;
};

struct runtime {
  std::string profile = "default";  // the agent profile these options are
  voipbin_options voipbin;
  llm_options llm;
  agent_options agent;
  net::http_client* http = nullptr;                // outlives every actor
  net::voipbin_scheduler* voipbin_rest = nullptr;  // every VoIPBIN REST call; outlives every actor
  metrics* stats = nullptr;                        // outlives every actor
  readiness* ready = nullptr;                      // GET /readyz; outlives every actor, may be unset
  call_registry* cluster = nullptr;                // cluster.mode=redis; outlives every actor
  call_journal* journal = nullptr;                 // the calls' conversations; outlives every actor
  // Sends a text frame on the VoIPBIN WebSocket (used for subscriptions).
  std::function<void(std::string)> ws_send;
  // The agent profiles besides the default (llm and agent above), in configuration order.
  // Read by the gateway only, which makes each one its own runtime.
  std::vector<agent_profile> profiles;
};

// A copy of `rt` whose model is `config` (the services stay shared): what a brain for that
// provider is given, e.g. the fallback's.
inline runtime with_model(const runtime& rt, const llm_provider_config& config) {
  runtime out = rt;
  out.llm.provider = config.provider;
  out.llm.base = config.base;
  out.llm.api_key = config.api_key;
  out.llm.model = config.model;
  out.llm.fallback = {};  // a fallback has none of its own
  return out;
}

}  // namespace parley
