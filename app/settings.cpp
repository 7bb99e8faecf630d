#include "app/settings.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>

#include <unistd.h>

#include "app/config_file.hpp"
#include "app/option_table.hpp"
#include "protocol/tools.hpp"
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

// tel:+ and 7 to 15 digits, or sip:user@host (host: letters, digits, . and -, maybe :port).
// Only this machine can reach a loopback listener: there the admin API may go without a token.
bool is_loopback_host(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

bool transfer_address_ok(const std::string& to) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (to.rfind("tel:+", 0) == 0) {
    auto digits = std::string_view(to).substr(5);
    return digits.size() >= 7 && digits.size() <= 15 && std::all_of(digits.begin(), digits.end(), digit);
  }
  if (to.rfind("sip:", 0) != 0) return false;
  auto rest = std::string_view(to).substr(4);
  auto at = rest.find('@');
  if (at == 0 || at == std::string_view::npos) return false;
  auto user = rest.substr(0, at), host = rest.substr(at + 1);
  if (std::any_of(user.begin(), user.end(),
                  [](char c) { return c == '@' || static_cast<unsigned char>(c) <= ' ' || c == 0x7f; }))
    return false;
  auto colon = host.find(':');
  auto port = colon == std::string_view::npos ? std::string_view() : host.substr(colon + 1);
  host = host.substr(0, colon);
  if (colon != std::string_view::npos &&
      (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), digit)))
    return false;
  return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
  });
}

std::optional<std::string> environment(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (!value) return std::nullopt;
  return std::string(value);
}

// The default cluster.node-id: unique per process on one host, and readable in Redis.
std::string host_and_pid() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::snprintf(host, sizeof host, "parley");
  return std::string(host) + "-" + std::to_string(getpid());
}

// cluster.mode, cluster.redis-url, cluster.redis-password, cluster.node-id, cluster.lease,
// cluster.redis-down.
std::optional<failure> check_cluster(const raw_options& raw, cluster_settings& c) {
  if (raw.cluster_mode != "single" && raw.cluster_mode != "redis")
    return bad("cluster.mode", "'" + raw.cluster_mode + "' is not one of single, redis");
  c.redis = raw.cluster_mode == "redis";
  auto endpoint = parse_redis_url(raw.cluster_redis_url);
  if (!endpoint) return bad("cluster.redis-url", endpoint.error().message);
  c.endpoint = *endpoint;
  c.password = raw.cluster_redis_password;
  c.node_id = raw.cluster_node_id.empty() ? host_and_pid() : raw.cluster_node_id;
  if (c.node_id.size() > 128 || !std::all_of(c.node_id.begin(), c.node_id.end(), [](char ch) {
        return std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '-' || ch == '_';
      }))
    return bad("cluster.node-id", "use at most 128 letters, digits, '.', '-' or '_'");
  if (!(raw.cluster_lease >= 1 && raw.cluster_lease <= 3600))
    return bad("cluster.lease", "must be between 1 and 3600 seconds");
  c.lease = millis(raw.cluster_lease);
  if (raw.cluster_redis_down != "refuse" && raw.cluster_redis_down != "serve-alone")
    return bad("cluster.redis-down", "'" + raw.cluster_redis_down + "' is not one of refuse, serve-alone");
  c.serve_alone = raw.cluster_redis_down == "serve-alone";
  return std::nullopt;
}

// agent.tools, agent.tools-file, agent.max-tool-calls, agent.transfer-to, agent.transfer-message.
std::optional<failure> check_tools(const raw_options& raw, agent_options& agent) {
  for (size_t i = 0; i < raw.agent_tools.size(); ++i) {
    const auto& name = raw.agent_tools[i];
    if (!is_builtin_tool(name))
      return bad("agent.tools", "'" + name + "' is not a built-in tool (end_call, transfer_call)");
    if (std::find(raw.agent_tools.begin(), raw.agent_tools.begin() + i, name) != raw.agent_tools.begin() + i)
      return bad("agent.tools", "'" + name + "' is given twice");
  }
  agent.builtin_tools = raw.agent_tools;
  if (!raw.agent_tools_file.empty()) {
    const auto& path = raw.agent_tools_file;
    auto file_error = [&](const std::string& what) { return bad("agent.tools-file", path + ": " + what); };
    auto text = read_text_file(path, "tools file");
    if (!text) return file_error(text.error().message);
    auto tools = parse_tools_file(*text, environment);
    if (!tools) return file_error(tools.error().message);
    agent.http_tools = std::move(*tools);
  }
  agent.offered_tools.clear();
  for (const auto& name : agent.builtin_tools) agent.offered_tools.push_back(builtin_tool_definition(name));
  for (const auto& tool : agent.http_tools) agent.offered_tools.push_back(tool.definition);
  if (raw.agent_max_tool_calls < 1 || raw.agent_max_tool_calls > 100)
    return bad("agent.max-tool-calls", "must be between 1 and 100");
  agent.max_tool_calls = raw.agent_max_tool_calls;
  bool transfers =
      std::find(raw.agent_tools.begin(), raw.agent_tools.end(), transfer_call_tool) != raw.agent_tools.end();
  if (transfers && raw.agent_transfer_to.empty())
    return bad("agent.transfer-to",
               "required when agent.tools has transfer_call; set a tel:+E.164 or sip: address");
  if (!raw.agent_transfer_to.empty() && !transfer_address_ok(raw.agent_transfer_to))
    return bad(
        "agent.transfer-to",
        "'" + raw.agent_transfer_to + "' is not tel:+ and 7 to 15 digits (E.164) or a sip:user@host address");
  agent.transfer_to = raw.agent_transfer_to;
  agent.transfer_message = raw.agent_transfer_message;
  return std::nullopt;
}

// Each line of `lines` prefixed with "profiles.NAME.".
std::string in_profile(const std::string& profile, const std::string& lines) {
  std::string out;
  size_t start = 0;
  while (start <= lines.size()) {
    auto end = std::min(lines.find('\n', start), lines.size());
    out += (out.empty() ? "" : "\n") + ("profiles." + profile + ".") + lines.substr(start, end - start);
    start = end + 1;
  }
  return out;
}

// The profiles, each checked as the top-level options with its overrides applied; every problem
// is one line.
std::string check_profiles(const raw_options& raw, const settings& base,
                           const std::vector<std::string>& brains, const std::vector<std::string>& observers,
                           std::vector<agent_profile>& out) {
  std::string problems;
  auto problem = [&](const std::string& line) { problems += (problems.empty() ? "" : "\n") + line; };
  // number or variable -> the profile that claimed it first, per kind
  std::map<std::string, std::string> claimed[3];
  for (const auto& p : raw.profiles) {
    agent_profile profile;
    profile.name = p.name;
    std::string prefix = "profiles." + p.name + ".";
    if (p.match_destination.empty() && p.match_source.empty() && p.match_variable.empty())
      problem(prefix +
              "match: the profile matches no call; give match.destination, match.variable or match.source");
    auto claim = [&](int kind, const char* rule, const std::string& key, const std::string& shown) {
      auto [it, fresh] = claimed[kind].emplace(key, p.name);
      if (!fresh && it->second != p.name)
        problem(prefix + rule + ": " + shown + " is matched by profiles." + it->second +
                " too (a call must have one profile)");
    };
    for (const auto& d : p.match_destination) {
      if (auto err = profiles::check_target(d)) problem(prefix + "match.destination: " + *err);
      claim(0, "match.destination", d, "'" + d + "'");
      profile.match.destinations.push_back(d);
    }
    for (const auto& v : p.match_variable) {
      auto m = profiles::parse_variable_match(v);
      if (!m) {
        problem(prefix + "match.variable: " + m.error().message);
        continue;
      }
      claim(1, "match.variable", m->name + "=" + m->value, "'" + v + "'");
      profile.match.variables.push_back(*m);
    }
    if (!p.match_variable.empty() && !base.events_webhook)
      problem(prefix +
              "match.variable: call variables arrive by webhook (call_variables); set events.mode to webhook "
              "or both");
    for (const auto& src : p.match_source) {
      if (auto err = profiles::check_target(src)) problem(prefix + "match.source: " + *err);
      claim(2, "match.source", src, "'" + src + "'");
      profile.match.sources.push_back(src);
    }
    raw_options mine = raw;
    mine.profiles.clear();
    for (const auto& o : p.overrides)
      if (auto spec = find_option(o.option))
        assign_option(mine, *spec, o.value);  // read_options checked them
    auto checked = validate(mine, brains, observers);
    if (!checked) {
      problem(in_profile(p.name, checked.error().message));
      continue;
    }
    profile.llm = checked->llm;
    profile.agent = checked->agent;
    out.push_back(std::move(profile));
  }
  return problems;
}

}  // namespace

std::string default_llm_base_url(const std::string& provider) {
  return provider == "anthropic" ? "https://api.anthropic.com/v1" : "https://api.openai.com/v1";
}

raw_options with_computed_defaults(raw_options raw) {
  if (raw.llm_base_url.empty()) raw.llm_base_url = default_llm_base_url(raw.llm_provider);
  return raw;
}

result<settings> validate(const raw_options& raw, const std::vector<std::string>& known_providers,
                          const std::vector<std::string>& known_observers) {
  settings s;
  std::string missing;
  auto require = [&](bool given, const char* option, const char* hint) {
    if (!given) missing += (missing.empty() ? "" : "\n") + std::string(option) + ": missing" + hint;
  };
  require(!raw.voipbin_accesskey.empty(), "voipbin.accesskey",
          " (set it, or VOIPBIN_ACCESSKEY in the environment)");
  require(!raw.voipbin_customer_id.empty(), "voipbin.customer-id", " (your VoIPBIN customer UUID)");
  require((raw.events_mode != "webhook" && raw.events_mode != "both") || !raw.webhook_secret.empty(),
          "webhook.secret", " (required when events.mode receives webhooks; or VOIPBIN_WEBHOOK_SECRET)");
  require(raw.llm_provider != "script" || !raw.llm_script.empty(), "llm.script",
          " (needs at least one reply when llm.provider is 'script')");
  if (!missing.empty()) return fail(missing);
  auto api = http_url("voipbin.api-url", raw.voipbin_api_url, false);
  if (!api) return api.error();
  s.voipbin.api = *api;
  auto ws = http_url("voipbin.ws-url", raw.voipbin_ws_url, true);
  if (!ws) return ws.error();
  s.voipbin.ws = *ws;
  s.voipbin.accesskey = raw.voipbin_accesskey;
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

  if (std::find(known_providers.begin(), known_providers.end(), raw.llm_provider) == known_providers.end()) {
    std::string list;
    for (const auto& p : known_providers) list += (list.empty() ? "" : ", ") + p;
    return bad("llm.provider", "unknown provider '" + raw.llm_provider + "' (known: " + list + ")");
  }
  s.llm.provider = raw.llm_provider;
  auto base =
      http_url("llm.base-url",
               raw.llm_base_url.empty() ? default_llm_base_url(raw.llm_provider) : raw.llm_base_url, false);
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
  if (raw.llm_max_history < 1) return bad("llm.max-history", "must be at least 1");
  s.llm.max_history = static_cast<std::size_t>(raw.llm_max_history);
  if (!(raw.llm_first_token_timeout > 0)) return bad("llm.first-token-timeout", "must be above 0");
  s.llm.first_token_timeout = millis(raw.llm_first_token_timeout);
  // Empty: the primary's URL for the same provider, else the fallback provider's own default.
  auto fallback_url = raw.llm_fallback_base_url;
  if (fallback_url.empty() && !raw.llm_fallback_provider.empty() &&
      raw.llm_fallback_provider != raw.llm_provider)
    fallback_url = default_llm_base_url(raw.llm_fallback_provider);
  url fallback_base = s.llm.base;
  if (!fallback_url.empty()) {
    auto given = http_url("llm.fallback.base-url", fallback_url, false);
    if (!given) return given.error();
    fallback_base = *given;
  }
  if (!raw.llm_fallback_provider.empty()) {
    if (std::find(known_providers.begin(), known_providers.end(), raw.llm_fallback_provider) ==
        known_providers.end())
      return bad("llm.fallback.provider", "unknown provider '" + raw.llm_fallback_provider + "'");
    s.llm.fallback.provider = raw.llm_fallback_provider;
    s.llm.fallback.base = fallback_base;
    s.llm.fallback.api_key = raw.llm_fallback_api_key;
    s.llm.fallback.model = raw.llm_fallback_model.empty() ? raw.llm_model : raw.llm_fallback_model;
  }

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
  if (!(raw.agent_drain_timeout >= 0)) return bad("agent.drain-timeout", "must not be negative (0: at once)");
  s.agent.drain_timeout = millis(raw.agent_drain_timeout);
  s.agent.drain_message = raw.agent_drain_message;
  if (raw.agent_drain_action != "hangup" && raw.agent_drain_action != "release")
    return bad("agent.drain-action", "'" + raw.agent_drain_action + "' is not one of hangup, release");
  s.agent.drain_release = raw.agent_drain_action == "release";
  s.agent.adopt_on_start = raw.agent_adopt_on_start;
  if (auto err = check_tools(raw, s.agent)) return *err;
  for (const auto& name : raw.agent_observers) {
    if (std::find(known_observers.begin(), known_observers.end(), name) != known_observers.end()) continue;
    std::string list;
    for (const auto& o : known_observers) list += (list.empty() ? "" : ", ") + o;
    return bad("agent.observers", "unknown observer '" + name + "' (known: " +
                                      (list.empty() ? "none; load one with agent.plugins" : list) + ")");
  }
  s.agent.observers = raw.agent_observers;
  if (!(raw.agent_variables_wait >= 0))
    return bad("agent.variables-wait", "must not be negative (0: no wait)");
  s.agent.variables_wait = millis(raw.agent_variables_wait);

  auto admin = listen_on("admin.listen", raw.admin_listen);
  if (!admin) return admin.error();
  s.admin_listen = *admin;
  if (raw.admin_token.empty() && !is_loopback_host(s.admin_listen.host))
    return bad("admin.token",
               "required when admin.listen (" + raw.admin_listen +
                   ") is not a loopback address: set it (or PARLEY_ADMIN_TOKEN) to a long random string");
  if (!raw.admin_token.empty() && raw.admin_token.size() < 16)
    return bad("admin.token", "too short (" + std::to_string(raw.admin_token.size()) +
                                  " characters): use at least 16 random characters");
  s.admin_token = raw.admin_token;
  s.admin_open_metrics = raw.admin_open_metrics;

  if (auto err = check_cluster(raw, s.cluster)) return *err;

  // The directory itself is made and checked when parley starts (record_writer::start).
  s.records.dir = raw.records_dir;
  if (raw.records_max_file_size < static_cast<int64_t>(min_record_file_size))
    return bad("records.max-file-size", "must be at least 4096 bytes (e.g. 104857600 for 100 MiB)");
  s.records.max_file_size = static_cast<uint64_t>(raw.records_max_file_size);
  if (raw.records_keep_days < 0 || raw.records_keep_days > 36500)
    return bad("records.keep-days", "must be between 0 (keep every file) and 36500 days");
  s.records.keep_days = raw.records_keep_days;

  static const std::vector<std::string> levels = {"trace", "debug", "info", "warn", "error", "off"};
  if (std::find(levels.begin(), levels.end(), raw.log_level) == levels.end())
    return bad("log.level", "'" + raw.log_level + "' is not one of trace, debug, info, warn, error, off");
  s.log_level = raw.log_level;
  if (raw.log_format != "text" && raw.log_format != "json")
    return bad("log.format", "'" + raw.log_format + "' is not one of text, json");
  s.log_json = raw.log_format == "json";
  // More io threads would run handlers of one connection, and the VoIPBIN scheduler's state,
  // on several threads at once: nothing in net/ is locked or on a strand.
  if (raw.io_threads != 1)
    return bad("net.io-threads",
               "must be 1 for now: the sockets and the request scheduler share one thread "
               "without locks");
  // CAF takes any policy name (falling back with a warning) and hangs for good on 0 threads.
  if (raw.scheduler_policy != "sharing" && raw.scheduler_policy != "caf-sharing" &&
      raw.scheduler_policy != "stealing")
    return bad("scheduler.policy",
               "'" + raw.scheduler_policy + "' is not one of 'sharing', 'caf-sharing', 'stealing'");
  if (raw.scheduler_max_threads < 1 || raw.scheduler_max_threads > 1024)
    return bad("scheduler.max-threads", "must be between 1 and 1024");
  s.io_threads = raw.io_threads;
  if (auto problems = check_profiles(raw, s, known_providers, known_observers, s.profiles); !problems.empty())
    return fail(problems);
  return s;
}

}  // namespace parley
