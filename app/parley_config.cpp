#include "app/parley_config.hpp"

#include <algorithm>
#include <caf/atom.hpp>
#include <caf/config_option_adder.hpp>
#include <caf/config_value.hpp>
#include <caf/settings.hpp>
#include <cstdio>
#include <sstream>
#include <thread>

namespace parley {

namespace {

// CAF's help lists names and types; the default goes into the description.
template <class T>
std::string with_default(const char* text, const T& value) {
  if constexpr (std::is_same_v<T, std::string>)
    return std::string(text) + " (default: \"" + value + "\")";
  else if constexpr (std::is_floating_point_v<T>) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", value);
    return std::string(text) + " (default: " + buf + ")";
  } else
    return std::string(text) + " (default: " + std::to_string(value) + ")";
}

// A value as the INI file takes it back; decimals keep their point ("7.0", not "7").
std::string ini_value(const caf::config_value& v) {
  if (!caf::holds_alternative<double>(v)) return caf::to_string(v);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", caf::get<double>(v));
  std::string text = buf;
  if (text.find_first_of(".eEn") == std::string::npos) text += ".0";
  return text;
}

}  // namespace

parley_config::parley_config() {
  raw_options d;  // defaults
  // Descriptions must outlive the options: keep them in static storage.
  static std::vector<std::string> texts;
  texts.reserve(64);
  auto desc = [&](auto text, const auto& value) -> caf::string_view {
    texts.push_back(with_default(text, value));
    return texts.back();
  };

  opt_group{custom_options_, "voipbin"}
      .add(raw.voipbin_api_url, "api-url", desc("VoIPBIN REST base URL", d.voipbin_api_url))
      .add(raw.voipbin_ws_url, "ws-url", desc("VoIPBIN WebSocket URL", d.voipbin_ws_url))
      .add(raw.voipbin_accesskey, "accesskey", "VoIPBIN access key (or VOIPBIN_ACCESSKEY); required")
      .add(raw.voipbin_customer_id, "customer-id", "VoIPBIN customer UUID; required")
      .add(raw.voipbin_request_timeout, "request-timeout",
           desc("seconds before a VoIPBIN REST request fails", d.voipbin_request_timeout))
      .add(raw.voipbin_rate_limit, "rate-limit",
           desc("VoIPBIN REST requests per second, all calls together", d.voipbin_rate_limit))
      .add(raw.voipbin_rate_burst, "rate-burst", desc("VoIPBIN REST burst size", d.voipbin_rate_burst));
  opt_group{custom_options_, "tls"}.add(raw.tls_ca_file, "ca-file",
                                        "extra PEM CA bundle trusted besides the system store");
  opt_group{custom_options_, "events"}.add(raw.events_mode, "mode",
                                           desc("event source: websocket, webhook or both", d.events_mode));
  opt_group{custom_options_, "webhook"}
      .add(raw.webhook_listen, "listen", desc("webhook receiver address", d.webhook_listen))
      .add(raw.webhook_path, "path", desc("webhook receiver path", d.webhook_path))
      .add(raw.webhook_secret, "secret", "webhook signing secret (or VOIPBIN_WEBHOOK_SECRET)");
  opt_group{custom_options_, "llm"}
      .add(raw.llm_provider, "provider",
           desc("brain behaviour: openai, script, echo, or a registered one", d.llm_provider))
      .add(raw.llm_base_url, "base-url", desc("OpenAI-compatible API base URL", d.llm_base_url))
      .add(raw.llm_api_key, "api-key", "LLM API key (or LLM_API_KEY)")
      .add(raw.llm_model, "model", desc("model name", d.llm_model))
      .add(raw.llm_max_tokens, "max-tokens", desc("reply token limit, 0 = server default", d.llm_max_tokens))
      .add(raw.llm_temperature, "temperature",
           desc("sampling temperature, negative = server default", d.llm_temperature))
      .add(raw.llm_timeout, "timeout",
           desc("seconds without a byte from the LLM before the turn fails", d.llm_timeout))
      .add(raw.llm_script, "script", "replies of the script provider, used in turn (list of strings)");
  opt_group{custom_options_, "agent"}
      .add(raw.agent_system_prompt, "system-prompt", "system prompt sent to the LLM")
      .add(raw.agent_greeting, "greeting", desc("said when the call starts; empty = none", d.agent_greeting))
      .add(raw.agent_language, "language",
           desc("BCP 47 language for transcription and speech", d.agent_language))
      .add(raw.agent_voice_id, "voice-id", "TTS voice id; empty = VoIPBIN's default")
      .add(raw.agent_silence_timeout, "silence-timeout",
           desc("seconds of caller silence before the silence prompt, 0 = never", d.agent_silence_timeout))
      .add(raw.agent_silence_prompt, "silence-prompt",
           desc("said after the silence timeout", d.agent_silence_prompt))
      .add(raw.agent_silence_max_prompts, "silence-max-prompts",
           desc("unanswered silence prompts before the goodbye and hangup, 0 = never hang up",
                d.agent_silence_max_prompts))
      .add(raw.agent_goodbye, "goodbye", desc("said before hanging up a silent call", d.agent_goodbye))
      .add(raw.agent_error_prompt, "error-prompt", desc("said when the LLM fails", d.agent_error_prompt))
      .add(raw.agent_max_calls, "max-calls",
           desc("calls handled at once; more are not answered", d.agent_max_calls))
      .add(raw.agent_adopt_on_start, "adopt-on-start", "take over live calls at start-up (default: true)")
      .add(raw.agent_barge_in, "barge-in",
           desc("what of the caller's speech interrupts the agent: speech, interim or final",
                d.agent_barge_in))
      .add(raw.agent_barge_in_min_words, "barge-in-min-words",
           desc("words an interim transcript needs to interrupt", d.agent_barge_in_min_words))
      .add(raw.agent_backchannels, "backchannels",
           "words that never interrupt, e.g. [\"uh-huh\",\"yeah\"] (default: uh-huh, mm-hmm, yeah, okay, "
           "right, sure)")
      .add(raw.agent_false_interruption_timeout, "false-interruption-timeout",
           desc("seconds a barge-in waits for words before the agent resumes, 0 = off",
                d.agent_false_interruption_timeout))
      .add(raw.agent_barge_in_action, "barge-in-action",
           desc("flush (cheap; ElevenLabs may play on briefly) or restart (silent on every TTS)",
                d.agent_barge_in_action))
      .add(raw.agent_tts_provider, "tts-provider",
           "VoIPBIN TTS provider: elevenlabs, gcp or aws (default: empty, VoIPBIN's choice)");
  opt_group{custom_options_, "admin"}.add(raw.admin_listen, "listen",
                                          desc("health and metrics HTTP address", d.admin_listen));
  opt_group{custom_options_, "log"}
      .add(raw.log_level, "level", desc("trace, debug, info, warn, error or off", d.log_level))
      .add(raw.log_format, "format", desc("text or json", d.log_format));
  opt_group{custom_options_, "net"}.add(raw.io_threads, "io-threads",
                                        desc("threads running all sockets", d.io_threads));

  // DESIGN §2: the sharing scheduler with one thread per core (CAF's defaults are work
  // stealing and at least 4 threads). Both stay overridable under [scheduler].
  set("scheduler.policy", caf::atom("sharing"));
  set("scheduler.max-threads", static_cast<size_t>(std::max(1u, std::thread::hardware_concurrency())));
}

}  // namespace parley

namespace parley {

std::string parley_config::help_text() const {
  // CAF's own --help shows only the global group; ours shows every parley option and the
  // scheduler, and leaves out CAF modules parley does not use.
  static const std::vector<std::string> hidden = {"logger", "middleman", "stream", "openssl", "opencl"};
  std::istringstream in(custom_options_.help_text(false));
  std::string out =
      "Usage: parley [--config-file=FILE] [--group.option=value ...]\n"
      "       parley webhook register --url=URL [--method=POST] [options]\n"
      "         points the customer's VoIPBIN webhook at URL (GET then PUT /customer)\n"
      "Every option can also be set in the INI file under [group].\n"
      "parley's scheduler defaults: policy='sharing', max-threads = CPU cores.\n\n";
  std::string block, line;
  auto flush = [&] {
    auto group = block.substr(0, block.find(' '));
    if (!block.empty() && std::find(hidden.begin(), hidden.end(), group) == hidden.end()) out += block + "\n";
    block.clear();
  };
  while (std::getline(in, line)) {
    if (line.empty()) {
      flush();
      continue;
    }
    block += line + "\n";
  }
  flush();
  return out;
}

std::string parley_config::effective_config() const {
  static const std::vector<std::string> secrets = {"voipbin.accesskey", "webhook.secret", "llm.api-key"};
  static const std::vector<std::string> hidden = {"global",  "logger", "middleman", "stream",
                                                  "openssl", "opencl", "scheduler", "work-stealing"};
  std::string out, group;
  for (const auto& opt : custom_options_) {
    std::string category(opt.category().begin(), opt.category().end());
    if (std::find(hidden.begin(), hidden.end(), category) != hidden.end()) continue;
    std::string name(opt.full_name().begin(), opt.full_name().end());
    if (category != group) {
      out += (out.empty() ? "[" : "\n[") + category + "]\n";
      group = category;
    }
    std::string key(opt.long_name().begin(), opt.long_name().end());
    auto value = opt.get();
    if (std::find(secrets.begin(), secrets.end(), name) != secrets.end()) {
      auto set =
          value && caf::holds_alternative<std::string>(*value) && !caf::get<std::string>(*value).empty();
      out += key + "=" + (set ? "<set>" : "<unset>") + "\n";
    } else {
      out += key + "=" + (value ? ini_value(*value) : std::string("<none>")) + "\n";
    }
  }
  // The scheduler is CAF's, with parley's defaults (DESIGN §2).
  out += "\n[scheduler]\npolicy='" +
         caf::to_string(caf::get_or(content, "scheduler.policy", caf::atom("sharing"))) +
         "'\nmax-threads=" + std::to_string(caf::get_or(content, "scheduler.max-threads", size_t{0})) + "\n";
  return out;
}

std::vector<std::string> parley_config::normalize_arguments(const std::vector<char*>& args) const {
  std::vector<std::string> out;
  for (const char* a : args) {
    std::string arg = a ? a : "";
    auto eq = arg.find('=');
    if (arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      auto name = arg.substr(2, eq - 2);
      auto value = arg.substr(eq + 1);
      auto opt =
          std::find_if(custom_options_.begin(), custom_options_.end(), [&](const caf::config_option& o) {
            return std::string(o.full_name().begin(), o.full_name().end()) == name;
          });
      bool text = opt != custom_options_.end() && opt->type_name() == "string";
      if (text && value.empty()) {
        arg = "--" + name + "=\"\"";
      } else if (text && value.size() >= 2 && value.front() == '\'' && value.back() == '\'') {
        std::string quoted = "\"";
        for (char c : value.substr(1, value.size() - 2)) {
          if (c == '"' || c == '\\') quoted += '\\';
          quoted += c;
        }
        arg = "--" + name + "=" + quoted + "\"";
      }
    }
    out.push_back(std::move(arg));
  }
  return out;
}

void parley_config::read_scheduler() {
  raw.scheduler_policy = caf::to_string(caf::get_or(content, "scheduler.policy", caf::atom("sharing")));
  if (auto n = caf::get_if<int64_t>(&content, "scheduler.max-threads"))
    raw.scheduler_max_threads = *n;
  else
    raw.scheduler_max_threads =
        static_cast<int64_t>(caf::get_or(content, "scheduler.max-threads", size_t{1}));
}

bool take_dump_config(std::vector<char*>& args) {
  auto it = std::find_if(args.begin(), args.end(),
                         [](const char* a) { return a && std::string_view(a) == "--dump-config"; });
  if (it == args.end()) return false;
  args.erase(it);
  return true;
}

bool wants_help(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "-h" || a == "--help" || a == "-?" || a == "--long-help") return true;
  }
  return false;
}

}  // namespace parley
