#include "app/settings.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "protocol/turn_policy.hpp"
#include "protocol/voipbin_resources.hpp"

namespace parley {

namespace {

failure bad(const char* option, const std::string& what) {
  return fail(std::string(option) + ": " + what);
}

result<url> http_url(const char* option, const std::string& text, bool websocket) {
  auto u = parse_url(text);
  if (!u) return bad(option, "'" + text + "' is not a valid URL: " + u.error().message);
  bool ws = u->scheme == "ws" || u->scheme == "wss";
  if (ws != websocket)
    return bad(option, websocket ? "must be a ws:// or wss:// URL" : "must be an http:// or https:// URL");
  return u;
}

result<listen_address> listen_on(const char* option, const std::string& text) {
  auto hp = parse_host_port(text);
  if (!hp) return bad(option, hp.error().message);
  return listen_address{hp->host, hp->port};
}

std::chrono::milliseconds millis(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(std::llround(seconds * 1000)));
}

}  // namespace

void apply_environment(raw_options& raw) {
  auto fill = [](std::string& field, const char* var) {
    if (!field.empty()) return;
    if (const char* v = std::getenv(var)) field = v;
  };
  fill(raw.voipbin_accesskey, "VOIPBIN_ACCESSKEY");
  fill(raw.webhook_secret, "VOIPBIN_WEBHOOK_SECRET");
  fill(raw.llm_api_key, "LLM_API_KEY");
}

result<settings> validate(const raw_options& raw, const std::vector<std::string>& known_providers) {
  settings s;
  auto api = http_url("voipbin.api-url", raw.voipbin_api_url, false);
  if (!api) return api.error();
  s.voipbin.api = *api;
  auto ws = http_url("voipbin.ws-url", raw.voipbin_ws_url, true);
  if (!ws) return ws.error();
  s.voipbin.ws = *ws;
  if (raw.voipbin_accesskey.empty())
    return bad("voipbin.accesskey", "missing (set it, or VOIPBIN_ACCESSKEY in the environment)");
  s.voipbin.accesskey = raw.voipbin_accesskey;
  if (raw.voipbin_customer_id.empty()) return bad("voipbin.customer-id", "missing");
  if (!voipbin::is_uuid(raw.voipbin_customer_id))
    return bad("voipbin.customer-id", "'" + raw.voipbin_customer_id + "' is not a UUID");
  s.voipbin.customer_id = raw.voipbin_customer_id;
  if (!(raw.voipbin_request_timeout > 0)) return bad("voipbin.request-timeout", "must be above 0");
  s.voipbin.request_timeout = millis(raw.voipbin_request_timeout);
  if (!(raw.voipbin_rate_limit > 0)) return bad("voipbin.rate-limit", "must be above 0 requests per second");
  if (!(raw.voipbin_rate_burst >= 1)) return bad("voipbin.rate-burst", "must be at least 1");
  s.voipbin.rate_limit = raw.voipbin_rate_limit;
  s.voipbin.rate_burst = raw.voipbin_rate_burst;
  s.tls_ca_file = raw.tls_ca_file;

  if (raw.events_mode == "websocket") {
    s.events_websocket = true;
  } else if (raw.events_mode == "webhook") {
    s.events_websocket = false;
    s.events_webhook = true;
  } else if (raw.events_mode == "both") {
    s.events_webhook = true;
  } else {
    return bad("events.mode", "'" + raw.events_mode + "' is not one of websocket, webhook, both");
  }
  auto hook = listen_on("webhook.listen", raw.webhook_listen);
  if (!hook) return hook.error();
  s.webhook_listen = *hook;
  if (raw.webhook_path.empty() || raw.webhook_path.front() != '/')
    return bad("webhook.path", "must start with '/'");
  s.webhook_path = raw.webhook_path;
  s.webhook_secret = raw.webhook_secret;
  if (s.events_webhook && s.webhook_secret.empty())
    return bad("webhook.secret", "missing (required when events.mode receives webhooks)");

  if (std::find(known_providers.begin(), known_providers.end(), raw.llm_provider) == known_providers.end()) {
    std::string list;
    for (const auto& p : known_providers) list += (list.empty() ? "" : ", ") + p;
    return bad("llm.provider", "unknown provider '" + raw.llm_provider + "' (known: " + list + ")");
  }
  s.llm.provider = raw.llm_provider;
  auto base = http_url("llm.base-url", raw.llm_base_url, false);
  if (!base) return base.error();
  s.llm.base = *base;
  s.llm.api_key = raw.llm_api_key;
  s.llm.model = raw.llm_model;
  if (raw.llm_max_tokens < 0) return bad("llm.max-tokens", "must not be negative");
  s.llm.max_tokens = raw.llm_max_tokens;
  if (raw.llm_temperature > 2) return bad("llm.temperature", "must be at most 2 (negative: server default)");
  s.llm.temperature = raw.llm_temperature;
  if (!(raw.llm_timeout > 0)) return bad("llm.timeout", "must be above 0");
  s.llm.timeout = millis(raw.llm_timeout);
  s.llm.script = raw.llm_script;
  if (s.llm.provider == "script" && s.llm.script.empty())
    return bad("llm.script", "needs at least one reply when llm.provider is 'script'");

  s.agent.system_prompt = raw.agent_system_prompt;
  s.agent.greeting = raw.agent_greeting;
  if (raw.agent_language.empty()) return bad("agent.language", "missing");
  s.agent.language = raw.agent_language;
  s.agent.voice_id = raw.agent_voice_id;
  if (raw.agent_silence_timeout < 0) return bad("agent.silence-timeout", "must not be negative (0 disables)");
  s.agent.silence_timeout = millis(raw.agent_silence_timeout);
  s.agent.silence_prompt = raw.agent_silence_prompt;
  if (raw.agent_silence_max_prompts < 0)
    return bad("agent.silence-max-prompts", "must not be negative (0 never hangs up)");
  s.agent.silence_max_prompts = raw.agent_silence_max_prompts;
  s.agent.goodbye = raw.agent_goodbye;
  s.agent.error_prompt = raw.agent_error_prompt;
  if (raw.agent_max_calls < 1) return bad("agent.max-calls", "must be at least 1");
  s.agent.max_calls = static_cast<std::size_t>(raw.agent_max_calls);
  auto trigger = turn::parse_trigger(raw.agent_barge_in);
  if (!trigger)
    return bad("agent.barge-in", "'" + raw.agent_barge_in + "' is not one of speech, interim, final");
  s.agent.barge_in.on = *trigger;
  if (raw.agent_barge_in_min_words < 1) return bad("agent.barge-in-min-words", "must be at least 1");
  s.agent.barge_in.min_words = static_cast<std::size_t>(raw.agent_barge_in_min_words);
  s.agent.barge_in.backchannels = raw.agent_backchannels;
  if (raw.agent_false_interruption_timeout < 0)
    return bad("agent.false-interruption-timeout", "must not be negative (0 turns it off)");
  s.agent.false_interruption_timeout = millis(raw.agent_false_interruption_timeout);
  if (raw.agent_barge_in_action == "flush")
    s.agent.barge_in_restart = false;
  else if (raw.agent_barge_in_action == "restart")
    s.agent.barge_in_restart = true;
  else
    return bad("agent.barge-in-action", "'" + raw.agent_barge_in_action + "' is not one of flush, restart");
  static const std::vector<std::string> tts = {"", "elevenlabs", "gcp", "aws"};
  if (std::find(tts.begin(), tts.end(), raw.agent_tts_provider) == tts.end())
    return bad("agent.tts-provider", "'" + raw.agent_tts_provider +
                                         "' is not one of elevenlabs, gcp, aws (empty: VoIPBIN's default)");
  s.agent.tts_provider = raw.agent_tts_provider;
  s.agent.adopt_on_start = raw.agent_adopt_on_start;

  auto admin = listen_on("admin.listen", raw.admin_listen);
  if (!admin) return admin.error();
  s.admin_listen = *admin;

  static const std::vector<std::string> levels = {"trace", "debug", "info", "warn", "error", "off"};
  if (std::find(levels.begin(), levels.end(), raw.log_level) == levels.end())
    return bad("log.level", "'" + raw.log_level + "' is not one of trace, debug, info, warn, error, off");
  s.log_level = raw.log_level;
  if (raw.log_format != "text" && raw.log_format != "json")
    return bad("log.format", "'" + raw.log_format + "' is not one of text, json");
  s.log_json = raw.log_format == "json";
  if (raw.io_threads < 1 || raw.io_threads > 64) return bad("net.io-threads", "must be between 1 and 64");
  // CAF takes any policy name (falling back with a warning) and hangs for good on 0 threads.
  if (raw.scheduler_policy != "sharing" && raw.scheduler_policy != "stealing")
    return bad("scheduler.policy", "'" + raw.scheduler_policy + "' is not one of 'sharing', 'stealing'");
  if (raw.scheduler_max_threads < 1 || raw.scheduler_max_threads > 1024)
    return bad("scheduler.max-threads", "must be between 1 and 1024");
  s.io_threads = raw.io_threads;
  return s;
}

}  // namespace parley
