#include "app/option_table.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "protocol/spelling.hpp"

namespace parley {

namespace {

using r = raw_options;

option_spec opt(std::string_view name, option_field field, std::string_view help) {
  return {name, field, help, false, {}, {}};
}

option_spec secret(std::string_view name, option_field field, std::string_view help, std::string_view env) {
  return {name, field, help, true, env, {}};
}

std::vector<option_spec> make_table() {
  return {
      opt("voipbin.api-url", &r::voipbin_api_url, "VoIPBIN REST base URL"),
      opt("voipbin.ws-url", &r::voipbin_ws_url, "VoIPBIN WebSocket URL"),
      secret("voipbin.accesskey", &r::voipbin_accesskey, "VoIPBIN access key; required", "VOIPBIN_ACCESSKEY"),
      opt("voipbin.customer-id", &r::voipbin_customer_id, "VoIPBIN customer UUID; required"),
      opt("voipbin.request-timeout", &r::voipbin_request_timeout,
          "seconds before a VoIPBIN REST request fails"),
      opt("voipbin.rate-limit", &r::voipbin_rate_limit,
          "VoIPBIN REST requests per second, all calls together"),
      opt("voipbin.rate-burst", &r::voipbin_rate_burst, "VoIPBIN REST burst size"),
      opt("tls.ca-file", &r::tls_ca_file, "extra PEM CA bundle trusted besides the system store"),
      opt("events.mode", &r::events_mode, "event source: websocket, webhook or both"),
      opt("webhook.listen", &r::webhook_listen, "webhook receiver address"),
      opt("webhook.path", &r::webhook_path, "webhook receiver path"),
      secret("webhook.secret", &r::webhook_secret, "webhook signing secret", "VOIPBIN_WEBHOOK_SECRET"),
      opt("llm.provider", &r::llm_provider,
          "brain behaviour: openai, anthropic, script, echo, or a registered one"),
      {"llm.base-url",
       &r::llm_base_url,
       "LLM API root with its version; /chat/completions (openai) or /messages (anthropic) is appended",
       false,
       {},
       "the provider's: https://api.openai.com/v1, https://api.anthropic.com/v1 for anthropic"},
      secret("llm.api-key", &r::llm_api_key, "LLM API key", "LLM_API_KEY"),
      opt("llm.model", &r::llm_model, "model name"),
      opt("llm.max-tokens", &r::llm_max_tokens, "reply token limit, 0 = server default (anthropic: 1024)"),
      opt("llm.temperature", &r::llm_temperature, "sampling temperature, negative = server default"),
      opt("llm.timeout", &r::llm_timeout, "seconds without a byte from the LLM before the turn fails"),
      opt("llm.script", &r::llm_script, "replies of the script provider, used in turn"),
      opt("llm.max-history", &r::llm_max_history,
          "messages sent to the LLM besides the system prompt; older ones are dropped"),
      opt("llm.first-token-timeout", &r::llm_first_token_timeout,
          "seconds the primary may take to its first text before the fallback answers"),
      opt("llm.fallback.provider", &r::llm_fallback_provider,
          "brain asked when the primary fails before its first text; empty = no fallback"),
      opt("llm.fallback.base-url", &r::llm_fallback_base_url,
          "the fallback's API base URL; empty = llm.base-url"),
      secret("llm.fallback.api-key", &r::llm_fallback_api_key, "the fallback's API key",
             "LLM_FALLBACK_API_KEY"),
      opt("llm.fallback.model", &r::llm_fallback_model, "the fallback's model name; empty = llm.model"),
      opt("agent.system-prompt", &r::agent_system_prompt, "system prompt sent to the LLM"),
      opt("agent.greeting", &r::agent_greeting, "said when the call starts; empty = none"),
      opt("agent.language", &r::agent_language, "BCP 47 language for transcription and speech"),
      opt("agent.voice-id", &r::agent_voice_id, "TTS voice id; empty = VoIPBIN's default"),
      opt("agent.silence-timeout", &r::agent_silence_timeout,
          "seconds of caller silence before the silence prompt, 0 = never"),
      opt("agent.silence-prompt", &r::agent_silence_prompt, "said after the silence timeout"),
      opt("agent.silence-max-prompts", &r::agent_silence_max_prompts,
          "unanswered silence prompts before the goodbye and hangup, 0 = never hang up"),
      opt("agent.goodbye", &r::agent_goodbye, "said before hanging up a silent call"),
      opt("agent.error-prompt", &r::agent_error_prompt, "said when the LLM fails"),
      opt("agent.max-calls", &r::agent_max_calls, "calls handled at once; more are not answered"),
      opt("agent.barge-in", &r::agent_barge_in,
          "what of the caller's speech interrupts the agent: speech, interim or final"),
      opt("agent.barge-in-min-words", &r::agent_barge_in_min_words,
          "words an interim transcript needs to interrupt"),
      opt("agent.backchannels", &r::agent_backchannels, "words that never interrupt"),
      opt("agent.false-interruption-timeout", &r::agent_false_interruption_timeout,
          "seconds a barge-in waits for words before the agent resumes, 0 = off"),
      opt("agent.barge-in-action", &r::agent_barge_in_action,
          "flush (cheap; ElevenLabs may play on briefly) or restart (silent on every TTS)"),
      opt("agent.tts-provider", &r::agent_tts_provider,
          "VoIPBIN TTS provider: elevenlabs, gcp or aws; empty = VoIPBIN's choice"),
      opt("agent.adopt-on-start", &r::agent_adopt_on_start,
          "take over live calls no one serves at start-up, with their history"),
      opt("agent.drain-timeout", &r::agent_drain_timeout,
          "seconds live calls go on after SIGTERM before the drain message"),
      opt("agent.drain-message", &r::agent_drain_message,
          "said to calls still live at the drain timeout; empty = none"),
      opt("agent.drain-action", &r::agent_drain_action,
          "after the drain message: hangup, or release (stop parley's sessions, leave the call up)"),
      opt("agent.tools", &r::agent_tools, "built-in tools the model may call: end_call, transfer_call"),
      opt("agent.tools-file", &r::agent_tools_file,
          "JSON file of HTTP tools the model may call; empty = none"),
      opt("agent.max-tool-calls", &r::agent_max_tool_calls, "tool calls one turn may run, 1 to 100"),
      opt("agent.transfer-to", &r::agent_transfer_to,
          "where transfer_call sends the caller: tel:+E.164 or sip:user@host"),
      opt("agent.transfer-message", &r::agent_transfer_message,
          "said before transfer_call transfers the caller"),
      opt("agent.plugins", &r::agent_plugins,
          "plugin libraries (.so) to load at start-up: their brains and observers (docs/extending.md)"),
      opt("agent.observers", &r::agent_observers, "registered call observers that see every call's events"),
      opt("agent.variables-wait", &r::agent_variables_wait,
          "seconds a call waits for its call_variables webhook when a profile matches by variable"),
      opt("admin.listen", &r::admin_listen,
          "address of the admin server: /healthz, /readyz, /metrics, the admin API and the dashboard"),
      secret("admin.token", &r::admin_token,
             "bearer token of the admin API and dashboard; required when admin.listen is not loopback",
             "PARLEY_ADMIN_TOKEN"),
      opt("admin.open-metrics", &r::admin_open_metrics,
          "serve /healthz, /readyz and /metrics without admin.token (for probes and Prometheus)"),
      opt("cluster.mode", &r::cluster_mode,
          "single, or redis: several instances share the customer's calls (docs/scaling.md)"),
      opt("cluster.redis-url", &r::cluster_redis_url, "cluster mode's Redis: redis://host:port/db"),
      secret("cluster.redis-password", &r::cluster_redis_password, "cluster mode's Redis password",
             "REDIS_PASSWORD"),
      {"cluster.node-id",
       &r::cluster_node_id,
       "this instance's name in the cluster; unique per instance",
       false,
       {},
       "host name and process id"},
      opt("cluster.lease", &r::cluster_lease,
          "seconds a dead instance's calls wait before another adopts them"),
      opt("cluster.redis-down", &r::cluster_redis_down,
          "while Redis is unreachable: refuse new calls, or serve-alone (answer them unclaimed)"),
      opt("records.dir", &r::records_dir,
          "directory of the call records, one JSON line per ended call; empty = none"),
      opt("records.max-file-size", &r::records_max_file_size,
          "bytes a record file may reach before the day's next file begins; at least 4096"),
      opt("records.keep-days", &r::records_keep_days,
          "days of record files kept (today's included); older ones are deleted, 0 = keep all"),
      opt("log.level", &r::log_level, "trace, debug, info, warn, error or off"),
      opt("log.format", &r::log_format, "text or json"),
      opt("net.io-threads", &r::io_threads, "threads running all sockets; must be 1"),
      opt("scheduler.policy", &r::scheduler_policy, "actor scheduler: sharing, caf-sharing or stealing"),
      {"scheduler.max-threads", &r::scheduler_max_threads, "actor worker threads", false, {}, "CPU cores"},
  };
}

bool blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

// Takes one text from the front of `in`: "double quoted" (backslash escapes), 'single quoted'
// (as is) or bare up to one of `stops`. Returns what is wrong, or nothing.
std::optional<std::string> take_text(std::string_view& in, std::string& out, std::string_view stops) {
  out.clear();
  in = trim(in);
  if (!in.empty() && (in.front() == '"' || in.front() == '\'')) {
    char quote = in.front();
    for (size_t i = 1; i < in.size(); ++i) {
      char c = in[i];
      if (c == quote) {
        in.remove_prefix(i + 1);
        in = trim(in);
        return std::nullopt;
      }
      if (quote == '"' && c == '\\' && i + 1 < in.size()) {
        char e = in[++i];
        out += e == 'n' ? '\n' : e == 't' ? '\t' : e;
      } else {
        out += c;
      }
    }
    return std::string("the quote ") + quote + " is not closed";
  }
  auto end = in.find_first_of(stops);
  if (stops.empty()) end = std::string_view::npos;
  out = std::string(trim(in.substr(0, end)));
  in.remove_prefix(end == std::string_view::npos ? in.size() : end);
  return std::nullopt;
}

std::optional<std::string> parse_text(std::string_view in, std::string& out) {
  if (auto err = take_text(in, out, "")) return err;
  if (!in.empty()) return "unexpected text after the closing quote: '" + std::string(in) + "'";
  return std::nullopt;
}

std::optional<std::string> parse_list(std::string_view in, std::vector<std::string>& out) {
  out.clear();
  in = trim(in);
  bool bracketed = !in.empty() && in.front() == '[';
  if (bracketed) in.remove_prefix(1);
  std::string item;
  while (true) {
    in = trim(in);
    if (bracketed && !in.empty() && in.front() == ']') break;
    if (in.empty()) {
      if (bracketed) return std::string("the list has no closing ]");
      break;
    }
    if (auto err = take_text(in, item, bracketed ? ",]" : ",")) return err;
    out.push_back(item);
    if (!in.empty() && in.front() == ',') {
      in.remove_prefix(1);
      continue;
    }
    if (bracketed && !in.empty() && in.front() == ']') break;
    if (!in.empty()) return "expected , between list items before '" + std::string(in) + "'";
  }
  if (bracketed) {
    in.remove_prefix(1);
    if (!trim(in).empty()) return "unexpected text after the list: '" + std::string(trim(in)) + "'";
  }
  return std::nullopt;
}

template <class Int>
std::optional<std::string> parse_integer(std::string_view in, Int& out) {
  in = trim(in);
  Int value{};
  auto [end, ec] = std::from_chars(in.data(), in.data() + in.size(), value);
  if (ec == std::errc::result_out_of_range) return "'" + std::string(in) + "' is out of range";
  if (ec != std::errc{} || end != in.data() + in.size() || in.empty())
    return "'" + std::string(in) + "' is not a whole number";
  out = value;
  return std::nullopt;
}

std::optional<std::string> parse_decimal(std::string_view in, double& out) {
  std::string text(trim(in));
  char* end = nullptr;
  double value = text.empty() ? 0 : std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(value))
    return "'" + text + "' is not a number";
  out = value;
  return std::nullopt;
}

std::optional<std::string> parse_flag(std::string_view in, bool& out) {
  std::string text;
  if (auto err = parse_text(in, text)) return err;
  for (auto yes : {"true", "yes", "on", "1"})
    if (text == yes) return out = true, std::nullopt;
  for (auto no : {"false", "no", "off", "0"})
    if (text == no) return out = false, std::nullopt;
  return "'" + text + "' is not true or false";
}

std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out + "\"";
}

std::string decimal_text(double value) {
  char buf[64];
  auto end = std::to_chars(buf, buf + sizeof buf, value).ptr;
  std::string text(buf, end);
  if (text.find_first_of(".e") == std::string::npos) text += ".0";  // stays a decimal when read back
  return text;
}

}  // namespace

const std::vector<option_spec>& option_table() {
  static const std::vector<option_spec> table = make_table();
  return table;
}

const option_spec* find_option(std::string_view name) {
  for (const auto& spec : option_table())
    if (spec.name == name) return &spec;
  return nullptr;
}

std::string closest_option(std::string_view name) {
  const option_spec* best = nullptr;
  size_t best_distance = std::max<size_t>(2, name.size() / 5) + 1;
  for (const auto& spec : option_table()) {
    auto d = edit_distance(name, spec.name);
    if (d < best_distance) best = &spec, best_distance = d;
  }
  if (best) return std::string(best->name);
  // The right key in the wrong group: [llm] silence-timeout.
  auto key = name.substr(name.find('.') + 1);
  for (const auto& spec : option_table())
    if (spec.name.substr(spec.name.find('.') + 1) == key) return std::string(spec.name);
  return {};
}

bool per_profile(std::string_view name) {
  static constexpr std::string_view agent_options[] = {"agent.system-prompt",
                                                       "agent.greeting",
                                                       "agent.language",
                                                       "agent.voice-id",
                                                       "agent.silence-timeout",
                                                       "agent.silence-prompt",
                                                       "agent.silence-max-prompts",
                                                       "agent.goodbye",
                                                       "agent.error-prompt",
                                                       "agent.barge-in",
                                                       "agent.barge-in-min-words",
                                                       "agent.backchannels",
                                                       "agent.false-interruption-timeout",
                                                       "agent.barge-in-action",
                                                       "agent.tts-provider",
                                                       "agent.tools",
                                                       "agent.tools-file",
                                                       "agent.max-tool-calls",
                                                       "agent.transfer-to",
                                                       "agent.transfer-message",
                                                       "agent.observers"};
  if (!find_option(name)) return false;
  if (name.rfind("llm.", 0) == 0) return true;
  return std::find(std::begin(agent_options), std::end(agent_options), name) != std::end(agent_options);
}

std::string environment_name(const option_spec& spec) {
  std::string env = "PARLEY_";
  for (char c : spec.name) env += (c == '.' || c == '-') ? '_' : static_cast<char>(std::toupper(c));
  return env;
}

std::optional<std::string> parse_list_option(std::string_view text, std::vector<std::string>& out) {
  return parse_list(text, out);
}

std::optional<std::string> assign_option(raw_options& raw, const option_spec& spec, std::string_view text) {
  return std::visit(
      [&](auto field) -> std::optional<std::string> {
        auto& target = raw.*field;
        using T = std::decay_t<decltype(target)>;
        if constexpr (std::is_same_v<T, std::string>)
          return parse_text(text, target);
        else if constexpr (std::is_same_v<T, double>)
          return parse_decimal(text, target);
        else if constexpr (std::is_same_v<T, bool>)
          return parse_flag(text, target);
        else if constexpr (std::is_same_v<T, std::vector<std::string>>)
          return parse_list(text, target);
        else
          return parse_integer(text, target);
      },
      spec.field);
}

std::string format_option(const raw_options& raw, const option_spec& spec) {
  return std::visit(
      [&](auto field) -> std::string {
        const auto& value = raw.*field;
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return quoted(value);
        } else if constexpr (std::is_same_v<T, double>) {
          return decimal_text(value);
        } else if constexpr (std::is_same_v<T, bool>) {
          return value ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          std::string out = "[";
          for (const auto& item : value) out += (out.size() > 1 ? ", " : "") + quoted(item);
          return out + "]";
        } else {
          return std::to_string(value);
        }
      },
      spec.field);
}

std::string_view option_kind(const option_spec& spec) {
  static constexpr std::string_view kinds[] = {"text",    "decimal",    "integer",
                                               "integer", "true|false", "list of texts"};
  return kinds[spec.field.index()];
}

}  // namespace parley
