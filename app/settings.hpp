#pragma once
// Every option parley accepts, as given (raw_options) and as validated (settings).
// No CAF here: the option names and checks are tested without an actor system.

#include <algorithm>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "actors/runtime.hpp"
#include "app/call_records.hpp"
#include "protocol/redis_url.hpp"
#include "protocol/result.hpp"

namespace parley {

// One [profiles.NAME] group as given: the options it overrides (their text, in the order read;
// a later one wins) and its match rules.
struct raw_profile {
  struct override_text {
    std::string option;  // an option_table name, e.g. "llm.model"
    std::string value;   // as written; option_table's rules read it
  };
  std::string name;
  std::vector<override_text> overrides;
  std::vector<std::string> match_destination;
  std::vector<std::string> match_source;
  std::vector<std::string> match_variable;  // "name=value"
};

// Values exactly as read from the INI file, the command line and the environment.
struct raw_options {
  std::string voipbin_api_url = "https://api.voipbin.net/v1.0";
  std::string voipbin_ws_url = "wss://api.voipbin.net/v1.0/ws";
  std::string voipbin_accesskey;
  std::string voipbin_customer_id;
  double voipbin_request_timeout = 10;
  double voipbin_rate_limit = 16;
  double voipbin_rate_burst = 33;
  std::string tls_ca_file;
  std::string events_mode = "websocket";
  std::string webhook_listen = "0.0.0.0:8080";
  std::string webhook_path = "/v1/webhook";
  std::string webhook_secret;
  std::string llm_provider = "openai";
  std::string llm_base_url;  // empty: default_llm_base_url(llm_provider)
  std::string llm_api_key;
  std::string llm_model = "gpt-4o-mini";
  int32_t llm_max_tokens = 300;
  double llm_temperature = 0.7;
  double llm_timeout = 30;
  std::vector<std::string> llm_script;
  int64_t llm_max_history = 50;
  double llm_first_token_timeout = 3;
  std::string llm_fallback_provider;
  std::string llm_fallback_base_url;
  std::string llm_fallback_api_key;
  std::string llm_fallback_model;
  std::string agent_system_prompt =
      "You are a helpful voice assistant on a phone call. Answer in one to three short "
      "spoken sentences, without lists or markup.";
  std::string agent_greeting = "Hello! How can I help you today?";
  std::string agent_language = "en-US";
  std::string agent_voice_id;
  double agent_silence_timeout = 30;
  std::string agent_silence_prompt = "Are you still there?";
  int32_t agent_silence_max_prompts = 2;
  std::string agent_goodbye = "I'll hang up now. Goodbye!";
  std::string agent_error_prompt = "Sorry, I had a problem there. Could you say that again?";
  int64_t agent_max_calls = 1000;
  std::string agent_barge_in = "interim";
  int32_t agent_barge_in_min_words = 2;
  std::vector<std::string> agent_backchannels = {"uh-huh", "mm-hmm", "yeah", "okay", "right", "sure"};
  double agent_false_interruption_timeout = 1.5;
  std::string agent_barge_in_action = "flush";
  std::string agent_tts_provider;
  double agent_drain_timeout = 30;
  std::string agent_drain_message = "Sorry, I have to go now. Goodbye!";
  std::string agent_drain_action = "hangup";
  bool agent_adopt_on_start = true;
  std::vector<std::string> agent_tools;
  std::string agent_tools_file;
  int32_t agent_max_tool_calls = 5;
  std::string agent_transfer_to;
  std::string agent_transfer_message = "Please hold while I transfer you to a colleague.";
  std::vector<std::string> agent_plugins;    // shared libraries loaded before the rest is checked
  std::vector<std::string> agent_observers;  // registered call observers each call gets
  double agent_variables_wait = 1;
  std::string admin_listen = "127.0.0.1:9090";
  std::string admin_token;         // secret
  bool admin_open_metrics = true;  // /healthz, /readyz and /metrics without the token
  std::string cluster_mode = "single";
  std::string cluster_redis_url = "redis://127.0.0.1:6379/0";
  std::string cluster_redis_password;
  std::string cluster_node_id;  // empty: host name and pid
  double cluster_lease = 10;
  std::string cluster_redis_down = "refuse";
  std::string records_dir;  // empty: no call records
  int64_t records_max_file_size = 100ll * 1024 * 1024;
  int64_t records_keep_days = 30;
  std::string log_level = "info";
  std::string log_format = "text";
  int32_t io_threads = 1;
  // CAF's [scheduler] group, read back after parsing so it is checked like the rest.
  std::string scheduler_policy = "sharing";
  int64_t scheduler_max_threads = std::max(1u, std::thread::hardware_concurrency());
  // [profiles.NAME] groups, in the order first given (docs/configuration.md#profiles).
  std::vector<raw_profile> profiles;
};

struct listen_address {
  std::string host;
  uint16_t port = 0;
};

// Cluster mode (docs/scaling.md): several parley instances on one customer, coordinated in
// Redis.
struct cluster_settings {
  bool redis = false;  // cluster.mode=redis
  redis_endpoint endpoint;
  std::string password;
  std::string node_id;  // never empty once validated
  std::chrono::milliseconds lease{10000};
  bool serve_alone = false;  // cluster.redis-down=serve-alone
};

struct settings {
  voipbin_options voipbin;
  llm_options llm;
  agent_options agent;
  std::string tls_ca_file;
  bool events_websocket = true;
  bool events_webhook = false;
  listen_address webhook_listen;
  std::string webhook_path;
  std::string webhook_secret;
  listen_address admin_listen;
  std::string admin_token;  // empty: the admin API is open (a loopback listener only)
  bool admin_open_metrics = true;
  cluster_settings cluster;
  record_options records;  // records.dir empty: off
  std::string log_level;
  bool log_json = false;
  int io_threads = 1;
  std::vector<agent_profile> profiles;  // besides the default (llm, agent)
};

// The API root (with its version) llm.base-url means when it is not set: Anthropic's for the
// `anthropic` provider, OpenAI's for every other.
std::string default_llm_base_url(const std::string& provider);

// `raw` with its computed defaults filled in (an unset llm.base-url becomes the provider's),
// as --dump-config prints it.
raw_options with_computed_defaults(raw_options raw);

// Checks every option, and reads agent.tools-file (its ${NAME} from the environment). The error names the
// option and what is wrong, in one line, e.g. "voipbin.api-url: unsupported scheme 'ftp'"; every missing
// required option is named at once, one per line. `known_providers` are the registered brains,
// `known_observers` the registered call observers. Every profile is checked as the top-level
// options with its overrides; each problem of the profiles is one line, "profiles.NAME.<option>: …".
result<settings> validate(const raw_options& raw, const std::vector<std::string>& known_providers,
                          const std::vector<std::string>& known_observers = {});

}  // namespace parley
