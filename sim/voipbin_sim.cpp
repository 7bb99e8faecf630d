#include "sim/voipbin_sim.hpp"

#include <time.h>
#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cctype>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <unordered_map>

#include "net/http_client.hpp"
#include "net/http_server.hpp"
#include "net/tls_context.hpp"
#include "protocol/voipbin_resources.hpp"
#include "protocol/webhook_signature.hpp"

namespace parley::sim {

namespace asio = boost::asio;
using nlohmann::json;
using clock_type = std::chrono::steady_clock;

namespace {

std::string new_uuid(std::mt19937_64& rng) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(36, '-');
  uint64_t bits[2] = {rng(), rng()};  // 128 bits for the 31 random hex digits
  int used = 0;
  for (int i = 0; i < 36; ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) continue;
    if (i == 14) {
      out[i] = '4';
      continue;
    }
    out[i] = hex[(bits[used / 16] >> (4 * (used % 16))) & 0xF];
    ++used;
  }
  return out;
}

net::http_response json_response(int status, const json& body) {
  return {status, {{"Content-Type", "application/json"}}, body.dump()};
}

// The real error envelope (voipbin-api.md §2).
net::http_response error_response(int status, const std::string& reason, const std::string& message) {
  static const std::map<int, std::string> names = {
      {400, "INVALID_ARGUMENT"}, {401, "UNAUTHENTICATED"},    {403, "PERMISSION_DENIED"}, {404, "NOT_FOUND"},
      {409, "ALREADY_EXISTS"},   {429, "RESOURCE_EXHAUSTED"}, {500, "INTERNAL"}};
  auto it = names.find(status);
  return json_response(status, {{"error",
                                 {{"status", it == names.end() ? "INTERNAL" : it->second},
                                  {"reason", reason},
                                  {"message", message},
                                  {"request_id", "req_sim"}}}});
}

// `s` as a JSON string, as json::dump() writes it.
std::string json_quoted(const std::string& s) {
  for (unsigned char ch : s)
    if (ch < 0x20 || ch == '"' || ch == '\\' || ch >= 0x80) return json(s).dump();
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  out += s;
  out += '"';
  return out;
}

// The CPU time of the calling thread.
std::chrono::nanoseconds thread_cpu() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return std::chrono::seconds(t.tv_sec) + std::chrono::nanoseconds(t.tv_nsec);
}

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// RFC 3339 with six fraction digits: the form of a page token (voipbin-api.md §3), which
// orders as text.
std::string rfc3339(int64_t since_epoch_us) {
  auto secs = static_cast<std::time_t>(since_epoch_us / 1000000);
  auto us = since_epoch_us % 1000000;
  // The date and time of day change once a second: formatted once for it.
  thread_local std::time_t cached_secs = -1;
  thread_local char cached[80];
  if (secs != cached_secs) {
    std::tm tm{};
    gmtime_r(&secs, &tm);
    std::snprintf(cached, sizeof cached, "%04d-%02d-%02dT%02d:%02d:%02d.", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    cached_secs = secs;
  }
  std::string out = cached;
  char digits[8] = {'0', '0', '0', '0', '0', '0', 'Z', 0};
  for (int i = 5; i >= 0; --i, us /= 10) digits[i] = static_cast<char>('0' + us % 10);
  return out + digits;
}

std::string now_rfc3339() {
  return rfc3339(now_us());
}

// "0001-01-01T00:00:05.1Z": an offset from the stream's start as VoIPBIN encodes it (§5).
std::string offset_stamp(clock_type::duration d) {
  auto us = std::max<long long>(0, std::chrono::duration_cast<std::chrono::microseconds>(d).count());
  auto secs = us / 1000000;
  char buf[64];
  std::snprintf(buf, sizeof buf, "0001-01-01T%02lld:%02lld:%02lld", secs / 3600 % 24, secs / 60 % 60,
                secs % 60);
  std::string out = buf;
  if (auto frac = us % 1000000; frac != 0) {
    std::snprintf(buf, sizeof buf, ".%06lld", frac);
    std::string f = buf;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  return out + "Z";
}

// The query string of a request target, its credentials left out, as received otherwise.
std::string query_without_credentials(const std::string& target) {
  auto q = target.find('?');
  if (q == std::string::npos) return {};
  std::string out;
  std::string_view rest(target);
  rest.remove_prefix(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    auto pair = rest.substr(0, amp);
    if (pair.rfind("accesskey=", 0) != 0 && pair.rfind("token=", 0) != 0)
      out += (out.empty() ? "" : "&") + std::string(pair);
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return out;
}

std::vector<std::string> split_words(const std::string& text) {
  std::vector<std::string> out;
  std::string word;
  for (char ch : text) {
    if (std::isspace(static_cast<unsigned char>(ch))) {
      if (!word.empty()) out.push_back(std::move(word));
      word.clear();
    } else {
      word += ch;
    }
  }
  if (!word.empty()) out.push_back(std::move(word));
  return out;
}

std::string join_words(const std::vector<std::string>& words, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n && i < words.size(); ++i) out += (i == 0 ? "" : " ") + words[i];
  return out;
}

// What has been heard of `text` once `bytes` of it have played: the words complete by then.
std::string played_prefix(const std::string& text, std::size_t bytes) {
  if (bytes >= text.size()) return join_words(split_words(text), std::string::npos);
  std::size_t end = bytes;
  while (end > 0 && !std::isspace(static_cast<unsigned char>(text[end]))) --end;
  return join_words(split_words(text.substr(0, end)), std::string::npos);
}

// How many words played_prefix(text, bytes) has, without building it.
std::size_t played_word_count(const std::string& text, std::size_t bytes) {
  std::size_t end = text.size();
  if (bytes < text.size()) {
    end = bytes;
    while (end > 0 && !std::isspace(static_cast<unsigned char>(text[end]))) --end;
  }
  std::size_t count = 0;
  bool in_word = false;
  for (std::size_t i = 0; i < end; ++i) {
    bool space = std::isspace(static_cast<unsigned char>(text[i])) != 0;
    if (!space && !in_word) ++count;
    in_word = !space;
  }
  return count;
}

struct sim_transcribe;

struct sim_call {
  std::string id;
  std::string created;  // tm_create
  std::string label;    // "call 1"
  scripted_call script;
  std::string status = "dialing";
  std::string transcribe_id;
  std::size_t next = 0;                    // next turn
  int says_since_utterance = 0;            // /say requests since the caller's last turn ended
  clock_type::time_point last_activity{};  // last turn, end of playout (or /say when instant)
  clock_type::time_point last_utterance{};
  clock_type::time_point progressing_at{};
  // The caller's turn in progress.
  bool in_turn = false;
  std::size_t turn_index = 0;
  clock_type::time_point turn_started{};
  std::vector<std::string> turn_words;
  std::size_t words_sent = 0;
  std::size_t turns_finished = 0;
  bool last_turn_had_text = true;
  bool cued = false;  // the next turn, if it waits for its cue, may start
  // When the agent's answer to the last finished turn (or its greeting) began playing.
  clock_type::time_point answer_began{};
  // The agent cut its speech during the worded turn in progress: a /say now is stale.
  bool cut_armed = false;
  std::vector<heard_text> heard;
  clock_type::time_point last_caller_frame{};  // the caller's last speech event or final written
  std::vector<caller_frame> frames;
  std::string confbridge_id;             // "" when the call is in no confbridge
  sim_transcribe* transcribe = nullptr;  // the one of transcribe_id (erased with the call)
  // Once hung up: "local" when VoIPBIN hung it up from `terminating` (a transfer), else
  // "remote" (voipbin/monorepo bin-call-manager/models/call/call.go CalculateHangupBy).
  std::string hangup_by = "remote";
  clock_type::time_point ended_at{};     // when it hung up
  std::string hangup_reason = "normal";  // once hung up
  // Placed by POST /calls (voipbin-api.md §4.3): direction `outgoing`, with the request's
  // addresses (omitempty fields left out) and flow; answered at `answer_at` unless `no_answer`.
  bool outgoing = false;
  json source_address, destination_address;
  std::string flow_id;
  clock_type::time_point answer_at{};
  bool no_answer = false;
  int playing = 0;  // its speakings with text queued or playing
  // When the tick next looks at the call (time_point::max(): not queued); see state::due.
  clock_type::time_point wake = clock_type::time_point::max();
};

// A transfer's groupcall whose outcome is still to be published.
struct pending_groupcall {
  json groupcall;
  bool answers = true;
  clock_type::time_point due{};
};

struct sim_transcribe {
  std::string id, call_id, language, status;
  std::string streaming_in, streaming_out;
  std::string direction = "both";                      // the streams it has: `in`, `out` or both
  clock_type::time_point started = clock_type::now();  // the streams' time origin
  std::string created{};                               // tm_create
};

// A /say text waiting for or in playout.
struct queued_text {
  std::string text;
  clock_type::time_point accepted{};
  bool answer = false;          // said after the caller's last turn had ended
  std::size_t after_turns = 0;  // the caller's finished turns when it was said
};

struct sim_speaking {
  std::string id, call_id, language, voice_id, direction, status;
  clock_type::time_point active_at{};  // when an `initiating` session turns `active`
  std::string provider = "elevenlabs";
  std::deque<queued_text> queue{};  // with a playout pace: the front one is playing
  clock_type::time_point play_started{};
  clock_type::time_point last_interim{};
  std::size_t interim_words = 0;
  std::string open_stream{};          // the out stream whose speech_started has no speech_ended yet
  std::string created{};              // tm_create
  clock_type::time_point play_end{};  // when the front text has played
  sim_call* call = nullptr;           // the call of call_id, if any (erased with it)
  bool counted = false;               // counted in its call's `playing` (the queue is not empty)
  bool in_playout = false;            // in state::playout
};

struct subscriber {
  std::shared_ptr<net::ws_peer> peer;
  std::vector<std::string> topics;
};

}  // namespace

struct voipbin_sim::state : std::enable_shared_from_this<voipbin_sim::state> {
  state(asio::io_context& io, voipbin_sim_options o)
      : io(io), opts(std::move(o)), tick(io), rng(std::random_device{}()) {}

  // ---- bookkeeping (all under `mutex`) ----
  asio::io_context& io;
  voipbin_sim_options opts;
  asio::steady_timer tick;
  std::mt19937_64 rng;
  std::shared_ptr<net::http_server> server;
  std::unique_ptr<net::http_client> webhooks;  // set when opts.webhook_url is
  url webhook_target;
  mutable std::mutex mutex;
  std::vector<recorded_request> log;
  // By id. Unordered: lists sort by tm_create, which is unique. Elements stay where they are
  // (pointers to them are kept below) until forget_ended() erases them.
  std::unordered_map<std::string, sim_call> calls;
  std::vector<std::string> pending_calls;  // placed, waiting for a subscriber
  std::vector<std::string> outbound;       // placed by POST /calls, in order
  std::vector<std::string> ringing_out;    // of those, the ones not yet answered or hung up
  std::unordered_map<std::string, sim_transcribe> transcribes;
  std::unordered_map<std::string, sim_speaking> speakings;
  // The sessions of each call, so a create or a hangup looks at its call's, not at every one.
  std::unordered_map<std::string, std::vector<std::string>> transcribes_by_call, speakings_by_call;
  // Every final transcript, both directions, as published, by transcribe id, oldest first.
  std::unordered_map<std::string, std::vector<json>> transcripts;
  // The tick looks only at the calls that may act by now: a min-heap of (when, call), one entry
  // valid per call (the one at its `wake`; others are stale and skipped). A call is queued at
  // the time its script next acts unless something happens first; whatever may change that
  // (a /say, its playout, a transcribe, a cue) queues it for the next tick (touch()).
  std::vector<std::pair<clock_type::time_point, sim_call*>> due;
  std::vector<sim_call*> due_now;  // the calls of this tick (kept: no allocation per tick)
  // The speakings with text queued or playing (a speaking leaves it on the tick after its queue
  // empties).
  std::vector<sim_speaking*> playout;
  // Hung-up calls in the order they hung up, for forget_ended().
  std::deque<std::pair<clock_type::time_point, std::string>> ended;
  int64_t last_created_us = 0;
  std::map<net::ws_peer*, subscriber> subscribers;
  std::size_t placed = 0;
  std::size_t finished = 0;
  int refuse_status = 0;  // WebSocket upgrades get this instead of 101, when not 0
  clock_type::time_point first_subscribed{};
  double tokens = 0;  // the rate limit's bucket
  struct fault {
    std::string method, suffix;
    int status, count;
  };
  std::vector<fault> faults;
  std::vector<std::string> violations;
  std::vector<pending_groupcall> groupcalls;          // transfers ringing
  std::vector<std::chrono::microseconds> reactions;   // see cut_reactions()
  std::vector<std::chrono::microseconds> answers;     // see answer_latencies()
  std::vector<std::chrono::microseconds> talk_overs;  // see talk_over_times()
  std::vector<std::pair<std::shared_ptr<net::ws_peer>, std::string>> outbox;
  json customer{{"id", "8d3e0a5c-6b1f-4c2a-9f7e-0a1b2c3d4e5f"},
                {"name", "Chez Parley"},
                {"detail", "the demo restaurant"},
                {"email", "owner@example.com"},
                {"phone_number", "+15550100"},
                {"address", "1 Loopback Lane"},
                {"webhook_method", ""},
                {"webhook_uri", ""},
                {"status", "active"}};
  clock_type::time_point refilled = clock_type::now();
  bool stopped = false;
  clock_type::time_point last_forget{};
  sim_load busy;

  // tm_create of a new resource: strictly increasing, so a page token (the last item's
  // tm_create, voipbin-api.md §3) names one place in every list.
  std::string new_created() {
    last_created_us = std::max(now_us(), last_created_us + 1);
    return rfc3339(last_created_us);
  }

  json call_json(const sim_call& c) const {
    json j{{"id", c.id},
           {"customer_id", opts.customer_id},
           {"owner_type", ""},
           {"owner_id", "00000000-0000-0000-0000-000000000000"},
           {"flow_id", c.flow_id.empty() ? "00000000-0000-0000-0000-000000000000" : c.flow_id},
           {"type", "flow"},
           {"source", c.outgoing ? c.source_address : json{{"type", "tel"}, {"target", c.script.source}}},
           {"destination",
            c.outgoing ? c.destination_address : json{{"type", "tel"}, {"target", c.script.destination}}},
           {"status", c.status},
           {"direction", c.outgoing ? "outgoing" : "incoming"},
           {"hangup_by", c.status == "hangup" ? c.hangup_by : ""},
           {"hangup_reason", c.status == "hangup" ? c.hangup_reason : ""},
           {"tm_create", c.created}};
    return j;
  }
  json transcribe_json(const sim_transcribe& t) const {
    return {{"id", t.id},
            {"customer_id", opts.customer_id},
            {"activeflow_id", "00000000-0000-0000-0000-000000000000"},
            {"on_end_flow_id", "00000000-0000-0000-0000-000000000000"},
            {"reference_type", "call"},
            {"reference_id", t.call_id},
            {"status", t.status},
            {"language", t.language},
            {"direction", t.direction},
            {"provider", ""},
            {"tm_create", t.created},
            {"tm_update", nullptr},
            {"tm_delete", nullptr}};
  }
  json speaking_json(const sim_speaking& s) const {
    json j{{"id", s.id},
           {"customer_id", opts.customer_id},
           {"reference_type", "call"},
           {"reference_id", s.call_id},
           {"provider", s.provider},
           {"status", s.status},
           {"tm_create", s.created}};
    if (!s.language.empty()) j["language"] = s.language;
    if (!s.voice_id.empty()) j["voice_id"] = s.voice_id;
    if (!s.direction.empty()) j["direction"] = s.direction;
    return j;
  }

  // Publishes one event to WebSocket subscribers under the legacy and the new topic forms; a
  // frame goes out once per topic form that any of the client's subscriptions prefixes
  // (voipbin-api.md §6.2). Frames are bare resources.
  void publish(const std::string& event_type, const json& resource) {
    publish_dumped(event_type, resource.value("id", std::string{}), resource.dump());
  }

  // publish() of a resource given as its JSON text (json::dump()'s) and its id.
  void publish_dumped(const std::string& event_type, const std::string& id, const std::string& resource) {
    auto resource_name = event_type.substr(0, event_type.find('_'));
    std::string base = "customer_id:" + opts.customer_id + ":" + resource_name + ":";
    std::string forms[2] = {base + id, base + event_type + ":" + id};
    // {"type": event_type, "data": resource}, as json::dump() writes it (keys sorted).
    std::string envelope;
    if (opts.legacy_frames || webhooks)
      envelope = "{\"data\":" + resource + ",\"type\":" + json_quoted(event_type) + "}";
    const auto& frame = opts.legacy_frames ? envelope : resource;
    if (webhooks) {
      deliver_webhook(envelope, 1);
      if (opts.webhook_twice) deliver_webhook(envelope, 1);
    }
    for (auto& [_, sub] : subscribers) {
      for (const auto& topic : forms) {
        bool match = false;
        for (const auto& t : sub.topics)
          if (topic.compare(0, t.size(), t) == 0) match = true;
        if (match) outbox.push_back({sub.peer, frame});
        if (match) ++busy.frames;
        if (match && opts.duplicate_frames) outbox.push_back({sub.peer, frame});
      }
    }
  }

  // Sends the frames published since the last flush: after event_delay, and in reverse order
  // when reorder_events is set (VoIPBIN sends each event from its own goroutine).
  void flush_outbox() {
    if (outbox.empty()) return;
    auto batch = std::make_shared<std::vector<std::pair<std::shared_ptr<net::ws_peer>, std::string>>>();
    batch->swap(outbox);
    if (opts.reorder_events) std::reverse(batch->begin(), batch->end());
    auto send = [batch] {
      for (auto& [peer, frame] : *batch) peer->send(frame);
    };
    if (opts.event_delay.count() == 0) return send();
    auto t = std::make_shared<asio::steady_timer>(io, opts.event_delay);
    t->async_wait([t, send](boost::system::error_code ec) {
      if (!ec) send();
    });
  }

  void deliver_webhook(const std::string& body, int attempt) {
    net::http_request req;
    req.method = "POST";
    req.target = webhook_target;
    req.body = body;
    req.headers = {{"X-VoIPBIN-Signature", voipbin::webhook_signature(opts.webhook_secret, body)}};
    req.timeout = std::chrono::seconds(30);
    std::weak_ptr<state> weak = shared_from_this();
    webhooks->send(req, [weak, body, attempt](net::http_outcome out) {
      bool retry = !out.ok() || out.response.status >= 500;
      if (!retry || attempt >= 3) return;
      auto self = weak.lock();
      if (!self) return;
      auto timer = std::make_shared<asio::steady_timer>(self->io, std::chrono::seconds(1));
      timer->async_wait([weak, body, attempt, timer](boost::system::error_code ec) {
        auto self = weak.lock();
        if (ec || !self) return;
        std::lock_guard lock{self->mutex};
        if (!self->stopped) self->deliver_webhook(body, attempt + 1);
      });
    });
  }

  void line(const sim_call& c, const std::string& text) {
    if (opts.on_line) opts.on_line(c.label, text);
  }
  // Whether anyone reads the lines (else the busiest ones are not even written).
  bool lines() const { return static_cast<bool>(opts.on_line); }

  // ---- the call script, driven by a 20 ms tick on the io thread ----
  void schedule_tick() {
    tick.expires_after(std::chrono::milliseconds(20));
    tick.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec) return;
      {
        // How late the io thread ran the tick: it was busy (or waited for a core) that long.
        std::lock_guard lock{self->mutex};
        self->busy.tick_late.add(clock_type::now() - self->tick.expiry());
      }
      self->on_tick();
      self->schedule_tick();
    });
  }

  void on_tick() {
    auto began = clock_type::now();
    auto began_cpu = thread_cpu();
    std::lock_guard lock{mutex};
    auto now = clock_type::now();
    struct measure {
      state& s;
      clock_type::time_point began, locked;
      std::chrono::nanoseconds began_cpu;
      ~measure() {
        auto end = clock_type::now();
        s.busy.tick.add(end - began);
        s.busy.tick_held.add(end - locked);
        s.busy.tick_cpu.add(thread_cpu() - began_cpu);
      }
    } measured{*this, began, now, began_cpu};
    if (stopped) return;
    // Calls start once a client has been there (for start_delay); a client that drops later
    // misses their events, as with the real service.
    bool has_client = !subscribers.empty() || webhooks;
    if (has_client && first_subscribed == clock_type::time_point{}) first_subscribed = now;
    if (first_subscribed != clock_type::time_point{} && now - first_subscribed >= opts.start_delay) {
      for (auto& id : pending_calls) progress(calls.at(id), now);
      pending_calls.clear();
    }
    ring_outbound(now);
    ring_groupcalls(now);
    forget_ended(now);
    // The agent's speech first, so the calls below see who is still speaking.
    for (std::size_t i = 0; i < playout.size();) {
      auto* s = playout[i];
      advance_playout(*s, now);
      if (!s->queue.empty()) {
        ++i;
        continue;
      }
      s->in_playout = false;
      playout[i] = playout.back();
      playout.pop_back();
    }
    // The calls that may act by now, each once.
    due_now.clear();
    while (!due.empty() && due.front().first <= now) {
      std::pop_heap(due.begin(), due.end(), later);
      auto [when, c] = due.back();
      due.pop_back();
      if (c->wake != when) continue;  // stale: queued again since
      c->wake = clock_type::time_point::max();
      due_now.push_back(c);
    }
    for (auto* c : due_now) {
      if (c->status != "progressing") continue;
      act(*c, now);
      schedule(*c, next_action(*c));
    }
    flush_outbox();
  }

  // The call is answered: its script runs from now on.
  void progress(sim_call& c, clock_type::time_point now) {
    c.status = "progressing";
    c.progressing_at = now;
    c.last_activity = now;
    publish("call_progressing", call_json(c));
    touch(c);
  }

  // Calls placed by POST /calls: `ringing` on the first tick after, then at answer_at the
  // callee answers (`progressing`, as an incoming call once a client is there) or, for the
  // no-answer target, the call hangs up with reason `noanswer` (voipbin-api.md §5, §6.3). They
  // do not wait for a subscriber: the client that placed them is there.
  void ring_outbound(clock_type::time_point now) {
    std::erase_if(ringing_out, [&](const std::string& id) {
      auto* c = find_call(id);
      if (!c || (c->status != "dialing" && c->status != "ringing")) return true;  // cancelled
      if (c->status == "dialing") {
        c->status = "ringing";
        publish("call_ringing", call_json(*c));
      }
      if (now < c->answer_at) return false;
      if (c->no_answer) {
        c->hangup_reason = "noanswer";
        hang_up(*c, "nobody answered", false);
      } else {
        line(*c, "callee answered");
        progress(*c, now);
      }
      return true;
    });
  }

  static bool later(const std::pair<clock_type::time_point, sim_call*>& a,
                    const std::pair<clock_type::time_point, sim_call*>& b) {
    return a.first > b.first;
  }

  // The tick looks at `c` at `when` (unless queued earlier already).
  void schedule(sim_call& c, clock_type::time_point when) {
    if (when >= c.wake) return;
    c.wake = when;
    due.emplace_back(when, &c);
    std::push_heap(due.begin(), due.end(), later);
  }

  // Something that may change what the call's script does next happened: the next tick looks.
  void touch(sim_call& c) { schedule(c, clock_type::time_point{}); }

  // One tick of a progressing call's script: what is due by `now` happens.
  void act(sim_call& c, clock_type::time_point now) {
    if (c.transcribe_id.empty()) {
      if (now - c.progressing_at >= opts.answer_timeout) hang_up(c, "nobody transcribed the call");
      return;
    }
    advance_turn(c, now);
    if (c.in_turn) return;
    // A turn on cue waits for cue(): no answer timeout, no hangup meanwhile.
    if (c.next < c.script.utterances.size() && c.script.utterances[c.next].on_cue && !c.cued) return;
    bool idle = c.playing == 0;
    bool quiet = idle && now - c.last_activity >= opts.quiet;
    bool waited_too_long = now - c.last_activity >= opts.answer_timeout;
    // The first turn follows the greeting, if any; a noise asks for no answer.
    bool answered = c.next == 0 || !c.last_turn_had_text || c.says_since_utterance > 0;
    if (c.next < c.script.utterances.size() && c.script.utterances[c.next].follow_after.count() >= 0) {
      if (now - c.last_utterance >= c.script.utterances[c.next].follow_after) start_turn(c, now);
      return;
    }
    if (c.next < c.script.utterances.size() && c.script.utterances[c.next].interrupt_after.count() >= 0) {
      auto after = c.script.utterances[c.next].interrupt_after;
      bool began = c.answer_began != clock_type::time_point{};
      if ((began && now - c.answer_began >= after) || (!began && idle && waited_too_long)) start_turn(c, now);
      return;
    }
    if (!quiet || !(answered || waited_too_long)) return;
    if (c.next < c.script.utterances.size()) {
      start_turn(c, now);
    } else {
      hang_up(c, "");
    }
  }

  // When act() next does something for `c` if nothing else happens meanwhile (whatever else
  // does touch()es it): the earliest time one of its conditions above turns true.
  clock_type::time_point next_action(const sim_call& c) const {
    constexpr auto never = clock_type::time_point::max();
    if (c.status != "progressing") return never;
    if (c.transcribe_id.empty()) return c.progressing_at + opts.answer_timeout;
    if (c.in_turn) {
      const auto& turn = c.script.utterances[c.turn_index];
      if (turn.text.empty()) return c.turn_started + opts.noise_ms;
      auto words = c.turn_words.size();
      return c.turn_started + opts.word_ms * static_cast<long>(std::min(c.words_sent, words) + 1);
    }
    const caller_turn* next = c.next < c.script.utterances.size() ? &c.script.utterances[c.next] : nullptr;
    if (next && next->on_cue && !c.cued) return never;
    if (next && next->follow_after.count() >= 0) return c.last_utterance + next->follow_after;
    bool idle = c.playing == 0;
    if (next && next->interrupt_after.count() >= 0) {
      if (c.answer_began != clock_type::time_point{}) return c.answer_began + next->interrupt_after;
      return idle ? c.last_activity + opts.answer_timeout : never;
    }
    if (!idle) return never;
    bool answered = c.next == 0 || !c.last_turn_had_text || c.says_since_utterance > 0;
    return c.last_activity + (answered ? opts.quiet : std::max(opts.quiet, opts.answer_timeout));
  }

  // With forget_after: drops calls that ended that long ago, with their sessions and
  // transcripts, at most once a second, so a long run's state stays the size of its live calls.
  void forget_ended(clock_type::time_point now) {
    if (opts.forget_after.count() == 0 || now - last_forget < std::chrono::seconds(1)) return;
    last_forget = now;
    std::vector<sim_call*> gone;
    while (!ended.empty() && now - ended.front().first >= opts.forget_after) {
      auto c = calls.find(ended.front().second);
      if (c != calls.end() && c->second.status == "hangup" && c->second.ended_at == ended.front().first)
        gone.push_back(&c->second);
      ended.pop_front();
    }
    if (gone.empty()) return;
    // The tick's queue forgets them first (a hung-up call has nothing more to do).
    std::erase_if(due, [](const auto& e) { return e.second->status == "hangup"; });
    std::make_heap(due.begin(), due.end(), later);
    for (auto* c : gone) {
      for (auto* s : sessions_of(speakings, speakings_by_call, c->id))
        if (s->in_playout) std::erase(playout, s);
      for (auto* t : sessions_of(transcribes, transcribes_by_call, c->id)) transcripts.erase(t->id);
      if (auto ids = transcribes_by_call.find(c->id); ids != transcribes_by_call.end())
        for (const auto& id : ids->second) transcribes.erase(id);
      if (auto ids = speakings_by_call.find(c->id); ids != speakings_by_call.end())
        for (const auto& id : ids->second) speakings.erase(id);
      transcribes_by_call.erase(c->id);
      speakings_by_call.erase(c->id);
      auto id = c->id;
      calls.erase(id);
    }
  }
  // The sessions of `call_id` in `all`, through its index.
  template <class Session>
  static std::vector<Session*> sessions_of(
      std::unordered_map<std::string, Session>& all,
      const std::unordered_map<std::string, std::vector<std::string>>& index, const std::string& call_id) {
    std::vector<Session*> out;
    if (auto ids = index.find(call_id); ids != index.end())
      for (const auto& id : ids->second)
        if (auto it = all.find(id); it != all.end()) out.push_back(&it->second);
    return out;
  }

  sim_transcribe* transcribe_of(const sim_call& c) { return c.transcribe; }

  // The transcribe that hears the caller, if it has an in-stream.
  sim_transcribe* hears_in(const sim_call& c) {
    auto* t = transcribe_of(c);
    return t && t->direction != "out" ? t : nullptr;
  }

  // Publishes a speech event of the transcribe's `direction` stream (with the words so far for an
  // interim). The most frequent event, so its JSON is written directly: the text json::dump()
  // writes for {id, customer_id, streaming_id, transcribe_id, direction, message, tm_event,
  // tm_create} (keys sorted).
  void publish_speech(const std::string& event_type, const sim_transcribe& t, const std::string& direction,
                      const std::string* message) {
    auto id = new_uuid(rng);
    auto at = json_quoted(now_rfc3339());
    std::string j = "{\"customer_id\":" + json_quoted(opts.customer_id) +
                    ",\"direction\":" + json_quoted(direction) + ",\"id\":" + json_quoted(id);
    if (message) j += ",\"message\":" + json_quoted(*message);
    j += ",\"streaming_id\":" + json_quoted(direction == "in" ? t.streaming_in : t.streaming_out) +
         ",\"tm_create\":" + at + ",\"tm_event\":" + at + ",\"transcribe_id\":" + json_quoted(t.id) + "}";
    publish_dumped(event_type, id, j);
  }

  // A final transcript: stored for GET /transcripts (§4.2), then published.
  void emit_transcript(const sim_transcribe& t, const std::string& direction, const std::string& text,
                       clock_type::time_point at) {
    json j{{"id", new_uuid(rng)},       {"customer_id", opts.customer_id},
           {"transcribe_id", t.id},     {"direction", direction},
           {"message", text},           {"tm_transcript", offset_stamp(at - t.started)},
           {"tm_create", new_created()}};
    publish("transcript_created", j);
    transcripts[t.id].push_back(std::move(j));
  }

  // ---- the caller's turns ----
  void start_turn(sim_call& c, clock_type::time_point now) {
    const auto& turn = c.script.utterances[c.next];
    c.turn_index = c.next++;
    c.in_turn = true;
    c.cued = false;
    c.turn_started = now;
    c.turn_words = split_words(turn.text);
    c.words_sent = 0;
    c.cut_armed = false;
    c.answer_began = {};
    c.last_activity = now;
    if (turn.text.empty())
      line(c, "caller: (noise)");
    else
      line(c,
           std::string("caller: ") + (turn.interrupt_after.count() >= 0 ? "(interrupts) " : "") + turn.text);
    if (auto* t = hears_in(c)) publish_speech("transcribe_speech_started", *t, "in", nullptr);
    c.last_caller_frame = now;
    c.frames.push_back({now, "started", ""});
    advance_turn(c, now);
  }

  // Publishes what of the turn in progress is due by `now`: one interim per word_ms, then the
  // end of speech and the final transcript one word_ms after the last word.
  void advance_turn(sim_call& c, clock_type::time_point now) {
    if (!c.in_turn) return;
    const auto& turn = c.script.utterances[c.turn_index];
    auto* t = hears_in(c);
    auto elapsed = now - c.turn_started;
    if (turn.text.empty()) {
      if (elapsed < opts.noise_ms) return;
      if (t) publish_speech("transcribe_speech_ended", *t, "in", nullptr);
      return finish_turn(c, now);
    }
    auto words = c.turn_words.size();
    while (c.words_sent < words && elapsed >= opts.word_ms * static_cast<long>(c.words_sent + 1)) {
      // Without a pace the whole text is one interim: one per word would be quadratic in it.
      c.words_sent = opts.word_ms.count() == 0 ? words : c.words_sent + 1;
      auto so_far = join_words(c.turn_words, c.words_sent);
      if (t) publish_speech("transcribe_speech_interim", *t, "in", &so_far);
      c.last_caller_frame = now;
      c.frames.push_back({now, "interim", so_far});
    }
    if (c.words_sent < words || elapsed < opts.word_ms * static_cast<long>(words + 1)) return;
    if (t) {
      publish_speech("transcribe_speech_ended", *t, "in", nullptr);
      if (turn.final) {
        emit_transcript(*t, "in", turn.text, now);
        if (opts.on_caller_final) opts.on_caller_final(c.id, turn.text);
        c.last_caller_frame = now;
        c.frames.push_back({now, "final", turn.text});
      }
    }
    finish_turn(c, now);
  }

  void finish_turn(sim_call& c, clock_type::time_point now) {
    c.in_turn = false;
    ++c.turns_finished;
    c.last_turn_had_text = !c.script.utterances[c.turn_index].text.empty();
    c.says_since_utterance = 0;
    c.last_activity = now;
    c.last_utterance = now;
    c.cut_armed = false;
  }

  // The agent cut its speech: /say before the final transcript of a worded turn in progress
  // would be a sentence of the reply the caller interrupted.
  void note_cut(sim_call& c) {
    auto now = clock_type::now();
    if (c.status == "progressing" && c.last_caller_frame != clock_type::time_point{} &&
        now - c.last_caller_frame < std::chrono::seconds(5))
      reactions.push_back(std::chrono::duration_cast<std::chrono::microseconds>(now - c.last_caller_frame));
    if (c.status == "progressing" && c.turn_started != clock_type::time_point{} &&
        now - c.turn_started < std::chrono::seconds(10))
      talk_overs.push_back(std::chrono::duration_cast<std::chrono::microseconds>(now - c.turn_started));
    if (c.status == "progressing" && c.in_turn && !c.script.utterances[c.turn_index].text.empty())
      c.cut_armed = true;
  }

  // ---- the agent's playout ----
  bool paced() const { return opts.playout_chars_per_second > 0; }

  // The call's transcription hears the agent only while both are live and it has an out-stream.
  sim_transcribe* hears_out(sim_call* c) {
    if (!c || c->status != "progressing" || !opts.agent_voice_heard) return nullptr;
    auto* t = transcribe_of(*c);
    return t && t->status == "progressing" && t->direction != "in" ? t : nullptr;
  }

  sim_call* call_of(const sim_speaking& s) { return s.call; }

  sim_call* find_call(const std::string& id) {
    auto c = calls.find(id);
    return c == calls.end() ? nullptr : &c->second;
  }

  void note_answer(sim_call& c, const queued_text& q, clock_type::time_point at) {
    if (q.answer && q.after_turns == c.turns_finished && !c.in_turn &&
        c.answer_began == clock_type::time_point{})
      c.answer_began = at;
  }

  clock_type::duration play_time(const std::string& text) const {
    return std::chrono::duration_cast<clock_type::duration>(
        std::chrono::duration<double>(static_cast<double>(text.size()) / opts.playout_chars_per_second));
  }

  // The front text of `s` starts playing at `at`.
  void begin_text(sim_speaking& s, clock_type::time_point at) {
    s.play_started = at;
    s.play_end = at + play_time(s.queue.front().text);
    s.last_interim = at;
    s.interim_words = 0;
    auto* c = call_of(s);
    if (c) {
      note_answer(*c, s.queue.front(), at);
      touch(*c);
    }
    if (auto* t = hears_out(c)) {
      publish_speech("transcribe_speech_started", *t, "out", nullptr);
      s.open_stream = t->streaming_out;
    }
  }

  // The front text of `s` has played: `whole`, or the prefix heard when cut.
  void end_text(sim_speaking& s, const std::string& heard_words, bool cut, clock_type::time_point at) {
    auto* c = call_of(s);
    if (c) {
      if (!heard_words.empty()) c->heard.push_back({heard_words, cut});
      c->last_activity = std::max(c->last_activity, at);
      touch(*c);
    }
    if (auto* t = hears_out(c)) {
      if (s.open_stream == t->streaming_out) publish_speech("transcribe_speech_ended", *t, "out", nullptr);
      if (!heard_words.empty()) emit_transcript(*t, "out", heard_words, at);
    }
    s.open_stream.clear();
    s.queue.pop_front();
    queue_changed(s);
  }

  // After a change to the queue of `s`: its call's count of playing speakings, and the tick's
  // list of them.
  void queue_changed(sim_speaking& s) {
    bool playing = !s.queue.empty();
    if (playing && !s.in_playout) {
      s.in_playout = true;
      playout.push_back(&s);
    }
    if (playing == s.counted) return;
    s.counted = playing;
    if (auto* c = call_of(s)) {
      c->playing += playing ? 1 : -1;
      touch(*c);
    }
  }

  void advance_playout(sim_speaking& s, clock_type::time_point now) {
    if (!paced()) return;
    while (!s.queue.empty()) {
      const auto& text = s.queue.front().text;
      auto end = s.play_end;
      if (now < end) {
        // What the transcriber has made of the agent's voice so far, about every 200 ms.
        if (now - s.last_interim < std::chrono::milliseconds(200)) return;
        auto played = static_cast<std::size_t>(std::chrono::duration<double>(now - s.play_started).count() *
                                               opts.playout_chars_per_second);
        auto count = played_word_count(text, played);
        if (count <= s.interim_words) return;
        auto words = played_prefix(text, played);
        s.interim_words = count;
        s.last_interim = now;
        if (auto* t = hears_out(call_of(s))) publish_speech("transcribe_speech_interim", *t, "out", &words);
        return;
      }
      auto whole = text;  // end_text drops it from the queue
      end_text(s, whole, false, end);
      if (!s.queue.empty()) begin_text(s, end);  // the next text follows without a gap
    }
  }

  // Playout stops now: the playing text is cut where it is and the queued ones are dropped.
  void cut_playout(sim_speaking& s, clock_type::time_point now) {
    advance_playout(s, now);
    if (s.queue.empty()) return;
    auto played = static_cast<std::size_t>(std::chrono::duration<double>(now - s.play_started).count() *
                                           opts.playout_chars_per_second);
    auto words = played_prefix(s.queue.front().text, played);
    if (auto* c = call_of(s); c && lines()) line(*c, "agent:  (cut off after \"" + words + "\")");
    end_text(s, words, true, now);
    drop_queued(s, 0);
  }

  // Drops the queued texts from position `from` on: they are never heard.
  void drop_queued(sim_speaking& s, std::size_t from) {
    auto* c = call_of(s);
    for (auto i = from; i < s.queue.size(); ++i)
      if (c && lines()) line(*c, "agent:  (dropped) " + s.queue[i].text);
    s.queue.erase(s.queue.begin() + static_cast<std::ptrdiff_t>(std::min(from, s.queue.size())),
                  s.queue.end());
    queue_changed(s);
  }

  // /flush as the provider does it (voipbin-api.md §7.1): GCP and AWS cancel the stream;
  // ElevenLabs only stops generating, so what it has already generated still plays.
  void flush_playout(sim_speaking& s, clock_type::time_point now) {
    if (s.provider != "elevenlabs") return cut_playout(s, now);
    advance_playout(s, now);
    std::size_t keep = std::min<std::size_t>(1, s.queue.size());
    while (keep < s.queue.size() && now - s.queue[keep].accepted >= opts.tts_generation_ms) ++keep;
    drop_queued(s, keep);
  }

  // `why` empty: the caller hung up; else the line says why (a transfer hangs the call up too).
  void hang_up(sim_call& c, const std::string& why, bool by_caller = true) {
    c.status = "hangup";
    c.ended_at = clock_type::now();
    if (opts.forget_after.count() > 0) ended.emplace_back(c.ended_at, c.id);
    c.in_turn = false;
    c.cut_armed = false;
    ++finished;
    line(c, !by_caller ? why : why.empty() ? "caller hung up" : "caller hung up: " + why);
    // The caller hears nothing more.
    auto now = clock_type::now();
    for (auto* s : sessions_of(speakings, speakings_by_call, c.id)) cut_playout(*s, now);
    publish("call_hangup", call_json(c));
    // VoIPBIN stops every transcribe on the call; speakings stay `active` (§7.1, §7.2).
    for (auto* t : sessions_of(transcribes, transcribes_by_call, c.id))
      if (t->status == "progressing") {
        t->status = "done";
        publish("transcribe_done", transcribe_json(*t));
      }
  }

  // ---- REST ----
  net::http_response handle(const net::server_request& req) {
    std::lock_guard lock{mutex};
    auto locked = clock_type::now();
    auto r = route(req);
    flush_outbox();
    if (opts.record_requests) {
      log.back().status = r.status;
      log.back().response = r.body;
    }
    busy.requests.add(clock_type::now() - locked);
    return r;
  }

  net::http_response route(const net::server_request& req) {
    auto path = req.path();
    const std::string prefix = "/v1.0";
    // Without a request log, only the path and the credentials' check are needed.
    bool keep = opts.record_requests;
    recorded_request rec{req.method,
                         path.rfind(prefix, 0) == 0 ? path.substr(prefix.size()) : path,
                         keep ? req.body : std::string{},
                         req.query("accesskey") == opts.accesskey,
                         0,
                         {},
                         keep ? clock_type::now() : clock_type::time_point{},
                         keep ? query_without_credentials(req.target) : std::string{}};
    if (keep) log.push_back(rec);
    if (path.rfind(prefix, 0) != 0) return error_response(404, "NOT_FOUND", "no such path");
    if (req.query("accesskey").empty() && req.query("token").empty())
      return error_response(401, "AUTHENTICATION_REQUIRED", "missing credentials");
    if (!rec.authorized) return error_response(401, "INVALID_CREDENTIALS", "invalid credentials");
    for (auto it = faults.begin(); it != faults.end(); ++it) {
      bool suffix = rec.path.size() >= it->suffix.size() &&
                    rec.path.compare(rec.path.size() - it->suffix.size(), it->suffix.size(), it->suffix) == 0;
      if (it->method == req.method && suffix) {
        auto status = it->status;
        if (--it->count == 0) faults.erase(it);
        return error_response(status, "INTERNAL", "injected failure");
      }
    }
    if (opts.rate_limit > 0) {
      auto now = clock_type::now();
      tokens = std::min(opts.rate_burst,
                        tokens + std::chrono::duration<double>(now - refilled).count() * opts.rate_limit);
      refilled = now;
      if (tokens < 1) {
        auto r = json_response(429, {{"error",
                                      {{"status", "RESOURCE_EXHAUSTED"},
                                       {"reason", "RATE_LIMIT_EXCEEDED"},
                                       {"message", "rate limit exceeded"},
                                       {"request_id", "req_sim"},
                                       {"details", json::array({{{"limited_by", "customer"}}})}}}});
        r.headers.push_back({"Retry-After", "1"});
        return r;
      }
      tokens -= 1;
    }

    std::vector<std::string> parts;
    for (std::size_t i = 1, j; i <= rec.path.size(); i = j + 1) {
      j = rec.path.find('/', i);
      if (j == std::string::npos) j = rec.path.size();
      parts.push_back(rec.path.substr(i, j - i));
    }
    json body;
    if (!req.body.empty()) {
      body = json::parse(req.body, nullptr, false);
      if (body.is_discarded() || !body.is_object())
        return error_response(400, "INVALID_JSON_BODY", "invalid JSON body");
    }
    if (parts.size() >= 2 && !voipbin::is_uuid(parts[1]))
      return error_response(400, "INVALID_ID", "invalid id");

    if (parts[0] == "transcribes") return transcribes_api(req, parts, body);
    if (parts[0] == "transcripts" && parts.size() == 1 && req.method == "GET") return transcripts_api(req);
    if (parts[0] == "speakings") return speakings_api(req, parts, body);
    if (parts[0] == "calls") return calls_api(req, parts, body);
    if (parts[0] == "transfers" && parts.size() == 1 && req.method == "POST") return transfers_api(body);
    if (parts[0] == "customer" && parts.size() == 1) return customer_api(req.method, body);
    return error_response(404, "NOT_FOUND", "no such resource");
  }

  // The list envelope of every list endpoint (voipbin-api.md §3): newest first, at most
  // page_size items (0 or over 100: 100; never over max_page_size) created before page_token;
  // next_page_token is the last item's tm_create, "" only for an empty page. Unpaged: the
  // first 100, whatever was asked.
  net::http_response list(std::vector<json> items, const net::server_request& req, bool paged = true) {
    std::size_t size = 100;
    std::string token;
    if (paged) {
      auto asked = req.query("page_size");
      if (!asked.empty()) {
        if (asked.size() > 9 || asked.find_first_not_of("0123456789") != std::string::npos)
          return error_response(400, "INVALID_REQUEST_PARAMETER", "page_size must be a number");
        size = std::stoul(asked);
        if (size == 0 || size > 100) size = 100;
      }
      size = std::min(size, std::max<std::size_t>(1, opts.max_page_size));
      token = req.query("page_token");
    }
    auto created = [](const json& j) { return j.value("tm_create", std::string{}); };
    std::stable_sort(items.begin(), items.end(),
                     [&](const json& a, const json& b) { return created(a) > created(b); });
    json result = json::array();
    for (auto& item : items) {
      if (result.size() == size) break;
      if (token.empty() || created(item) < token) result.push_back(std::move(item));
    }
    auto next = result.empty() ? std::string{} : created(result.back());
    return json_response(200, {{"result", result}, {"next_page_token", next}});
  }

  template <class Map, class ToJson, class Keep>
  net::http_response list(const Map& map, const net::server_request& req, ToJson to_json, Keep keep) {
    std::vector<json> items;
    for (const auto& [_, item] : map)
      if (keep(item)) items.push_back(to_json(item));
    return list(std::move(items), req);
  }

  // Transcripts of one transcribe, both directions (§4.2).
  net::http_response transcripts_api(const net::server_request& req) {
    auto id = req.query("transcribe_id");
    if (id.empty()) return error_response(400, "MISSING_REQUEST_PARAMETER", "transcribe_id is required");
    if (!voipbin::is_uuid(id))
      return error_response(400, "INVALID_REQUEST_PARAMETER", "invalid transcribe_id");
    if (!transcribes.count(id)) return error_response(404, "RESOURCE_NOT_FOUND", "transcribe not found");
    auto of = transcripts.find(id);
    return list(of == transcripts.end() ? std::vector<json>{} : of->second, req, opts.transcripts_paged);
  }

  net::http_response transcribes_api(const net::server_request& req, const std::vector<std::string>& p,
                                     const json& body) {
    const auto& method = req.method;
    if (method == "GET" && p.size() == 1) {
      auto ref_type = req.query("reference_type");
      auto ref_id = req.query("reference_id");
      if (ref_type.empty() != ref_id.empty())
        return error_response(400, "INVALID_REFERENCE_FILTER", "reference_type and reference_id go together");
      return list(
          transcribes, req, [&](const sim_transcribe& t) { return transcribe_json(t); },
          [&](const sim_transcribe& t) { return ref_id.empty() || t.call_id == ref_id; });
    }
    if (method == "POST" && p.size() == 1) {
      auto ref_type = body.value("reference_type", "");
      auto ref_id = body.value("reference_id", "");
      if (ref_type != "call" && ref_type != "conference" && ref_type != "recording")
        return error_response(400, "INVALID_ARGUMENT", "invalid reference_type");
      auto c = calls.find(ref_id);
      if (c == calls.end()) return error_response(404, "CALL_NOT_FOUND", "call not found");
      if (c->second.status != "progressing" && c->second.status != "ringing" && c->second.status != "dialing")
        return error_response(500, "INTERNAL", "call is not in a valid state");
      auto language = body.value("language", "en-US");
      for (auto* t : sessions_of(transcribes, transcribes_by_call, ref_id))
        if (t->language == language && t->status == "progressing")
          return error_response(409, "TRANSCRIBE_ALREADY_PROGRESSING", "transcribe already progressing");
      sim_transcribe t{new_uuid(rng), ref_id, language, "progressing", new_uuid(rng), new_uuid(rng)};
      t.created = new_created();
      auto direction = body.value("direction", "");
      if (direction == "in" || direction == "out") t.direction = direction;  // else both, as VoIPBIN
      auto& stored = transcribes[t.id] = t;
      transcribes_by_call[t.call_id].push_back(t.id);
      c->second.transcribe_id = t.id;
      c->second.transcribe = &stored;
      c->second.last_activity = clock_type::now();
      touch(c->second);
      publish("transcribe_created", transcribe_json(t));
      return json_response(200, transcribe_json(t));
    }
    if (p.size() < 2) return error_response(404, "NOT_FOUND", "not found");
    auto t = transcribes.find(p[1]);
    if (t == transcribes.end()) return error_response(404, "RESOURCE_NOT_FOUND", "transcribe not found");
    if (method == "GET" && p.size() == 2) return json_response(200, transcribe_json(t->second));
    if (method == "POST" && p.size() == 3 && p[2] == "stop") {
      if (t->second.status != "done") {
        t->second.status = "done";
        publish("transcribe_done", transcribe_json(t->second));
      }
      return json_response(200, transcribe_json(t->second));
    }
    return error_response(404, "NOT_FOUND", "not found");
  }

  net::http_response speakings_api(const net::server_request& req, const std::vector<std::string>& p,
                                   const json& body) {
    const auto& method = req.method;
    if (method == "GET" && p.size() == 1)
      return list(
          speakings, req, [&](const sim_speaking& s) { return speaking_json(s); },
          [](const sim_speaking&) { return true; });
    if (method == "POST" && p.size() == 1) {
      auto ref_type = body.value("reference_type", "");
      auto ref_id = body.value("reference_id", "");
      if (ref_type != "call" && ref_type != "confbridge")
        return error_response(400, "INVALID_ARGUMENT", "invalid reference_type");
      if (!voipbin::is_uuid(ref_id)) return error_response(400, "INVALID_ARGUMENT", "invalid reference_id");
      auto direction = body.value("direction", "");
      if (direction != "" && direction != "in" && direction != "out" && direction != "both")
        return error_response(400, "INVALID_ARGUMENT", "invalid direction");
      for (auto* s : sessions_of(speakings, speakings_by_call, ref_id))
        if (s->status == "active" || s->status == "initiating")
          return error_response(500, "INTERNAL", "internal error");  // §4.1: a live one exists
      sim_speaking s{new_uuid(rng), ref_id,  body.value("language", ""), body.value("voice_id", ""),
                     direction,     "active"};
      auto provider = body.value("provider", "");
      if (provider == "gcp" || provider == "aws") s.provider = provider;  // else ElevenLabs, as VoIPBIN
      s.created = new_created();
      s.call = find_call(ref_id);
      speakings[s.id] = s;
      speakings_by_call[s.call_id].push_back(s.id);
      return json_response(201, speaking_json(s));
    }
    if (p.size() < 2) return error_response(404, "NOT_FOUND", "not found");
    auto it = speakings.find(p[1]);
    if (it == speakings.end()) return error_response(404, "RESOURCE_NOT_FOUND", "speaking not found");
    auto& s = it->second;
    if (s.status == "initiating" && clock_type::now() >= s.active_at) s.status = "active";
    if (method == "GET" && p.size() == 2) return json_response(200, speaking_json(s));
    if (method != "POST" || p.size() != 3) return error_response(404, "NOT_FOUND", "not found");
    if (p[2] == "say") {
      auto text = body.is_object() && body.contains("text") && body["text"].is_string()
                      ? body["text"].get<std::string>()
                      : "";
      if (text.empty()) return error_response(400, "INVALID_ARGUMENT", "text is required");
      if (text.size() > 5000) return error_response(400, "INVALID_ARGUMENT", "text is too long");
      if (s.status != "active") return error_response(404, "RESOURCE_NOT_FOUND", "speaking is not active");
      auto before = speaking_json(s);
      if (auto* c = call_of(s); c && c->status == "progressing") {
        auto& call = *c;
        auto now = clock_type::now();
        ++call.says_since_utterance;
        std::string timing;
        if (call.next > 0 && call.says_since_utterance == 1 && !call.in_turn) {
          auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - call.last_utterance).count();
          timing = "  [+" + std::to_string(ms) + " ms]";
          if (call.last_turn_had_text)
            answers.push_back(
                std::chrono::duration_cast<std::chrono::microseconds>(now - call.last_utterance));
        }
        if (lines()) line(call, "agent:  " + text + timing);
        if (opts.on_say) opts.on_say(call.id, text);
        if (call.cut_armed) {
          auto v = call.label +
                   ": said after cutting its speech for the caller, before the caller's final "
                   "transcript: \"" +
                   text + "\"";
          violations.push_back(v);
          line(call, "VIOLATION: " + v);
        }
        queued_text q{text, now, !call.in_turn, call.turns_finished};
        touch(call);
        if (paced()) {
          s.queue.push_back(std::move(q));
          queue_changed(s);
          if (s.queue.size() == 1) begin_text(s, now);
        } else {
          // Played at once. Transcription runs on both directions: the agent's own voice
          // comes back as `out`.
          note_answer(call, q, now);
          call.heard.push_back({text, false});
          call.last_activity = now;
          if (auto* t = hears_out(&call)) emit_transcript(*t, "out", text, now);
        }
      }
      return json_response(200, before);
    }
    if (p[2] == "flush") {
      if (s.status != "active") return error_response(404, "RESOURCE_NOT_FOUND", "speaking is not active");
      if (auto* c = call_of(s); c && c->status == "progressing") {
        line(*c, "agent:  (flush)");
        note_cut(*c);
      }
      flush_playout(s, clock_type::now());
      return json_response(200, speaking_json(s));
    }
    if (p[2] == "stop") {
      s.status = "stopped";
      if (auto* c = call_of(s)) note_cut(*c);
      cut_playout(s, clock_type::now());
      return json_response(200, speaking_json(s));
    }
    return error_response(404, "NOT_FOUND", "not found");
  }

  // One URI per customer; PUT replaces all seven fields (voipbin-api.md §4.4).
  net::http_response customer_api(const std::string& method, const json& body) {
    if (method == "GET") {
      auto c = customer;
      c["webhook_secret"] = opts.webhook_secret;
      return json_response(200, c);
    }
    if (method != "PUT") return error_response(404, "NOT_FOUND", "not found");
    for (const char* f :
         {"name", "detail", "email", "phone_number", "address", "webhook_method", "webhook_uri"})
      if (!body.is_object() || !body.contains(f) || !body[f].is_string())
        return error_response(400, "INVALID_ARGUMENT", std::string("missing field ") + f);
    auto m = body["webhook_method"].get<std::string>();
    if (m != "" && m != "POST" && m != "GET" && m != "PUT" && m != "DELETE")
      return error_response(400, "INVALID_ARGUMENT", "invalid webhook_method");
    for (auto& [k, v] : body.items()) customer[k] = v;
    return json_response(200, customer);
  }

  net::http_response calls_api(const net::server_request& req, const std::vector<std::string>& p,
                               const json& body) {
    const auto& method = req.method;
    // Every call of the customer, hung-up ones included: the API has no status filter (§4.3).
    if (method == "GET" && p.size() == 1)
      return list(
          calls, req, [&](const sim_call& c) { return call_json(c); }, [](const sim_call&) { return true; });
    if (method == "POST" && p.size() == 1) return create_calls(body);
    if (p.size() < 2) return error_response(404, "NOT_FOUND", "not found");
    auto it = calls.find(p[1]);
    if (it == calls.end()) return error_response(404, "CALL_NOT_FOUND", "call not found");
    if (method == "GET" && p.size() == 2) return json_response(200, call_json(it->second));
    if (method == "POST" && p.size() == 3 && p[2] == "hangup") {
      auto& c = it->second;
      if (c.status == "progressing") hang_up(c, "the agent hung up");
      // An outgoing call not answered yet is cancelled: `canceling`, which the answer shows,
      // then hung up with reason `cancel` (§4.3, §9.8).
      if (c.outgoing && (c.status == "dialing" || c.status == "ringing")) {
        c.status = "canceling";
        auto canceling = call_json(c);
        publish("call_canceling", canceling);
        c.hangup_by = "local";
        c.hangup_reason = "cancel";
        hang_up(c, "the agent cancelled the call", false);
        return json_response(200, canceling);
      }
      return json_response(200, call_json(c));
    }
    return error_response(404, "NOT_FOUND", "not found");
  }

  // POST /calls (voipbin-api.md §4.3). The body is bound as VoIPBIN binds it (a field of the
  // wrong JSON type is 400 INVALID_JSON_BODY); then tel/sip destinations get a call each and
  // agent/extension ones a groupcall each, other types are skipped, and if nothing was made
  // the answer is 500. A missing source or an empty destination list is refused with 400
  // before that: VoIPBIN itself lets the first through and answers 500 for the second.
  net::http_response create_calls(const json& body) {
    static const std::string nil_uuid = "00000000-0000-0000-0000-000000000000";
    auto bad_body = [] {
      return error_response(400, "INVALID_JSON_BODY", "The request body is not valid JSON.");
    };
    auto given = [&](const char* f) { return body.contains(f) && !body[f].is_null(); };
    // An Address with its empty fields left out (omitempty, §5); null when it does not bind.
    auto address = [](const json& a) {
      json out = json::object();
      if (!a.is_object()) return json();
      for (const char* f : {"type", "target", "target_name", "name", "detail"}) {
        if (!a.contains(f) || a[f].is_null()) continue;
        if (!a[f].is_string()) return json();
        if (!a[f].get<std::string>().empty()) out[f] = a[f];
      }
      return out;
    };
    if (body.is_null()) return bad_body();  // an empty body
    if ((given("flow_id") && !body["flow_id"].is_string()) ||
        (given("anonymous") && !body["anonymous"].is_string()))
      return bad_body();
    if (given("actions")) {
      if (!body["actions"].is_array()) return bad_body();
      for (const auto& a : body["actions"])
        if (!a.is_object() || (a.contains("type") && !a["type"].is_string())) return bad_body();
    }
    json source;
    if (given("source") && (source = address(body["source"])).is_null()) return bad_body();
    json destinations = json::array();
    if (given("destinations")) {
      if (!body["destinations"].is_array()) return bad_body();
      for (const auto& d : body["destinations"]) {
        auto a = address(d);
        if (a.is_null()) return bad_body();
        destinations.push_back(std::move(a));
      }
    }
    // A string map: at most 100 keys, 32 KB a value, 64 KB in all (§4.3).
    if (given("variables")) {
      const auto& v = body["variables"];
      if (!v.is_object()) return bad_body();
      std::size_t total = 0;
      for (auto& [key, value] : v.items()) {
        if (!value.is_string()) return bad_body();
        auto size = value.get<std::string>().size();
        if (size > 32 * 1024) return error_response(400, "INVALID_ARGUMENT", "variable value too long");
        total += key.size() + size;
      }
      if (v.size() > 100) return error_response(400, "INVALID_ARGUMENT", "too many variables");
      if (total > 64 * 1024) return error_response(400, "INVALID_ARGUMENT", "variables too large");
    }
    if (source.is_null()) return error_response(400, "INVALID_ARGUMENT", "source is required");
    if (destinations.empty())
      return error_response(400, "INVALID_ARGUMENT", "destinations must not be empty");
    // flow_id wins; an unparsable one reads as nil, and then a temporary flow is made of the
    // actions (§4.3).
    auto flow_id = given("flow_id") ? body["flow_id"].get<std::string>() : std::string{};
    if (!voipbin::is_uuid(flow_id) || flow_id == nil_uuid) flow_id = new_uuid(rng);

    json out_calls = json::array(), out_groupcalls = json::array();
    auto now = clock_type::now();
    for (const auto& d : destinations) {
      auto type = d.value("type", "");
      if (type == "tel" || type == "sip") {
        sim_call c;
        c.id = new_uuid(rng);
        c.created = new_created();
        c.label = "call " + std::to_string(++placed);
        c.script = opts.outbound_script;
        if (c.script.confbridge) c.confbridge_id = new_uuid(rng);
        c.outgoing = true;
        c.source_address = source;
        c.destination_address = d;
        c.flow_id = flow_id;
        c.answer_at = now + opts.outbound_ring;
        c.no_answer = !opts.outbound_no_answer.empty() && d.value("target", "") == opts.outbound_no_answer;
        auto id = c.id;
        auto& stored = calls[id] = std::move(c);
        outbound.push_back(id);
        ringing_out.push_back(id);
        line(stored, "outgoing call to " + d.value("target", ""));
        auto j = call_json(stored);
        publish("call_created", j);
        out_calls.push_back(std::move(j));
      } else if (type == "agent" || type == "extension") {
        json groupcall{{"id", new_uuid(rng)},
                       {"customer_id", opts.customer_id},
                       {"owner_type", ""},
                       {"owner_id", nil_uuid},
                       {"status", "progressing"},
                       {"flow_id", flow_id},
                       {"source", source},
                       {"destinations", json::array({d})},
                       {"master_call_id", nil_uuid},
                       {"master_groupcall_id", nil_uuid},
                       {"ring_method", "ring_all"},
                       {"answer_method", "hangup_others"},
                       {"answer_call_id", nil_uuid},
                       {"call_ids", json::array({new_uuid(rng)})},
                       {"answer_groupcall_id", nil_uuid},
                       {"call_count", 1},
                       {"tm_create", new_created()}};
        publish("groupcall_created", groupcall);
        out_groupcalls.push_back(std::move(groupcall));
      }
    }
    if (out_calls.empty() && out_groupcalls.empty())
      return error_response(500, "INTERNAL", "An internal error occurred.");
    return json_response(200, {{"calls", out_calls}, {"groupcalls", out_groupcalls}});
  }

  // ---- transfers ----
  // POST /transfers as voipbin/monorepo (2bf22fa4) does it:
  // - bin-api-manager/server/transfers.go: gin BindJSON into PostTransfersJSONBody
  //   {transfer_type, transferer_call_id, transferee_addresses:[CommonAddress]}: a body that is
  //   not JSON or has a field of the wrong JSON type is 400 INVALID_JSON_BODY; nothing is
  //   required. transferer_call_id goes through uuid.FromStringOrNil.
  // - bin-api-manager/pkg/servicehandler/transfer.go: GET of the transferer call first: an
  //   unknown id, or a malformed one (the nil UUID), is not found (404); then transfer-manager.
  // - bin-transfer-manager/pkg/listenhandler/v1_transfers.go: every error is a bare 500, which
  //   bin-api-manager/server/error_translate.go turns into 500 INTERNAL.
  // - bin-transfer-manager/pkg/transferhandler/transfer.go: the only check is that the call is
  //   in a confbridge ("no confbridge id found"); a type other than blind (attended is not
  //   simulated) fails after that.
  // - .../transferhandler/blind.go: hangs the transferer up, then creates a ring_all groupcall
  //   to the addresses (bin-call-manager/pkg/groupcallhandler/start.go refuses none: the
  //   transferer is already gone), then answers the transfer with transferee_call_id nil.
  net::http_response transfers_api(const json& body) {
    static const std::string nil_uuid = "00000000-0000-0000-0000-000000000000";
    static const auto internal = [] {
      return error_response(500, "INTERNAL", "An internal error occurred.");
    };
    auto bad_body = [] {
      return error_response(400, "INVALID_JSON_BODY", "The request body is not valid JSON.");
    };
    auto string_or_null = [&](const char* f) {
      return !body.contains(f) || body[f].is_string() || body[f].is_null();
    };
    if (body.is_null()) return bad_body();  // an empty body
    if (!string_or_null("transfer_type") || !string_or_null("transferer_call_id")) return bad_body();
    json addresses = json::array();
    if (body.contains("transferee_addresses") && !body["transferee_addresses"].is_null()) {
      if (!body["transferee_addresses"].is_array()) return bad_body();
      for (const auto& a : body["transferee_addresses"]) {
        if (!a.is_object()) return bad_body();
        json address = json::object();
        for (const char* f : {"type", "target", "target_name", "name", "detail"}) {
          if (!a.contains(f) || a[f].is_null()) continue;
          if (!a[f].is_string()) return bad_body();
          if (!a[f].get<std::string>().empty()) address[f] = a[f];  // omitempty
        }
        addresses.push_back(address);
      }
    }
    auto type = body.contains("transfer_type") && body["transfer_type"].is_string()
                    ? body["transfer_type"].get<std::string>()
                    : std::string{};
    auto call_id = body.contains("transferer_call_id") && body["transferer_call_id"].is_string()
                       ? body["transferer_call_id"].get<std::string>()
                       : std::string{};
    auto it = voipbin::is_uuid(call_id) ? calls.find(call_id) : calls.end();
    // bin-call-manager/pkg/callhandler/db.go Get: a typed 404 the API passes through.
    if (it == calls.end()) return error_response(404, "CALL_NOT_FOUND", "The call was not found.");
    auto& c = it->second;
    // A call that has left (hung up) is in no confbridge any more.
    if (c.confbridge_id.empty() || c.status != "progressing") return internal();
    if (type != "blind") return internal();
    c.hangup_by = "local";
    hang_up(c,
            "call transferred to " +
                (addresses.empty() ? std::string("nobody") : addresses[0].value("target", "")),
            false);
    if (addresses.empty()) return internal();
    auto created = new_created();
    json groupcall{{"id", new_uuid(rng)},
                   {"customer_id", opts.customer_id},
                   {"owner_type", ""},
                   {"owner_id", nil_uuid},
                   {"status", "progressing"},
                   {"flow_id", new_uuid(rng)},  // the transfer's temporary flow
                   {"source", {{"type", "tel"}, {"target", "+15550100"}}},
                   {"destinations", addresses},
                   {"master_call_id", nil_uuid},
                   {"master_groupcall_id", nil_uuid},
                   {"ring_method", "ring_all"},
                   {"answer_method", "hangup_others"},
                   {"answer_call_id", nil_uuid},
                   {"call_ids", json::array()},
                   {"answer_groupcall_id", nil_uuid},
                   {"call_count", addresses.size()},
                   {"tm_create", created}};
    for (std::size_t i = 0; i < addresses.size(); ++i) groupcall["call_ids"].push_back(new_uuid(rng));
    publish("groupcall_created", groupcall);
    groupcalls.push_back({groupcall, c.script.transfer_answers, clock_type::now() + opts.transfer_ring});
    // bin-transfer-manager/models/transfer/webhook.go (WebhookMessage).
    return json_response(200, {{"id", new_uuid(rng)},
                               {"customer_id", opts.customer_id},
                               {"type", "blind"},
                               {"transferer_call_id", c.id},
                               {"transferee_addresses", addresses},
                               {"transferee_call_id", nil_uuid},
                               {"groupcall_id", groupcall["id"]},
                               {"confbridge_id", c.confbridge_id},
                               {"tm_create", created},
                               {"tm_update", nullptr},
                               {"tm_delete", nullptr}});
  }

  // The outcome of ringing transfers (bin-call-manager/pkg/groupcallhandler): answered,
  // groupcall_progressing with answer_call_id (db.go UpdateAnswerCallID); nobody answered,
  // groupcall_hangup (hangup.go), and the confbridge is terminated.
  void ring_groupcalls(clock_type::time_point now) {
    for (auto it = groupcalls.begin(); it != groupcalls.end();) {
      if (now < it->due) {
        ++it;
        continue;
      }
      auto& g = it->groupcall;
      if (it->answers) {
        g["answer_call_id"] = g["call_ids"].empty() ? json(new_uuid(rng)) : g["call_ids"][0];
        g["tm_update"] = new_created();
        publish("groupcall_progressing", g);
      } else {
        g["status"] = "hangup";
        g.erase("call_count");  // 0, and omitempty
        g["tm_update"] = new_created();
        publish("groupcall_hangup", g);
      }
      it = groupcalls.erase(it);
    }
  }

  // ---- WebSocket ----
  std::variant<net::ws_peer_callbacks, net::http_response> upgrade(const net::server_request& req,
                                                                   std::shared_ptr<net::ws_peer> peer) {
    if (req.path() != "/v1.0/ws") return net::http_response{404, {}, "not found"};
    if (req.query("accesskey") != opts.accesskey)
      return error_response(401, "INVALID_CREDENTIALS", "invalid credentials");
    auto key = peer.get();
    {
      std::lock_guard lock{mutex};
      if (refuse_status != 0) return error_response(refuse_status, "UNAVAILABLE", "refused by the test");
      subscribers[key] = subscriber{peer, {}};
    }
    std::weak_ptr<state> weak = shared_from_this();
    net::ws_peer_callbacks cb;
    cb.on_message = [weak, key](std::string text) {
      if (auto self = weak.lock()) self->on_ws_message(key, text);
    };
    cb.on_close = [weak, key] {
      if (auto self = weak.lock()) {
        std::lock_guard lock{self->mutex};
        self->subscribers.erase(key);
      }
    };
    return cb;
  }

  void on_ws_message(net::ws_peer* key, const std::string& text) {
    std::lock_guard lock{mutex};
    auto it = subscribers.find(key);
    if (it == subscribers.end()) return;
    auto j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return;  // non-JSON text is ignored (§6.2)
    auto type = j.value("type", "");
    if (!j.contains("topics") || !j["topics"].is_array()) return;
    for (const auto& t : j["topics"]) {
      // Scope must be this customer, else the socket is closed (§6.2).
      auto topic = t.is_string() ? t.get<std::string>() : std::string{};
      if (topic.rfind("customer_id:" + opts.customer_id, 0) != 0) {
        it->second.peer->close();
        subscribers.erase(it);
        return;
      }
      auto& topics = it->second.topics;
      if (type == "subscribe") {
        if (std::find(topics.begin(), topics.end(), topic) == topics.end()) topics.push_back(topic);
      } else if (type == "unsubscribe") {
        std::erase(topics, topic);
      }
    }
  }
};

voipbin_sim::voipbin_sim(asio::io_context& io, voipbin_sim_options options)
    : s_(std::make_shared<state>(io, std::move(options))) {
  s_->tokens = s_->opts.rate_burst;
  s_->refuse_status = s_->opts.refuse_websockets;
  s_->customer["id"] = s_->opts.customer_id;
  if (s_->opts.webhook_secret.empty()) s_->opts.webhook_secret = "sim-webhook-secret-0123456789abcd";
}

voipbin_sim::~voipbin_sim() {
  stop();
}

result<uint16_t> voipbin_sim::start(const std::string& host, uint16_t port) {
  if (!s_->opts.webhook_url.empty()) {
    auto target = parse_url(s_->opts.webhook_url);
    if (!target) return fail("webhook url: " + target.error().message);
    auto tls = net::make_client_tls_context({});
    if (!tls) return tls.error();
    s_->webhook_target = *target;
    s_->webhooks = std::make_unique<net::http_client>(s_->io, *tls);
  }
  std::weak_ptr<state> weak = s_;
  auto server = net::http_server::listen(
      s_->io, {host, port, 64 * 1024, 2 * s_->opts.ping_interval},
      [weak](net::server_request req, std::shared_ptr<net::server_reply> reply) {
        if (auto self = weak.lock()) reply->respond(self->handle(req));
      },
      [weak](const net::server_request& req,
             std::shared_ptr<net::ws_peer> peer) -> std::variant<net::ws_peer_callbacks, net::http_response> {
        if (auto self = weak.lock()) return self->upgrade(req, std::move(peer));
        return net::http_response{503, {}, ""};
      });
  if (!server) return server.error();
  s_->server = *server;
  asio::post(s_->io, [s = s_] { s->schedule_tick(); });
  return s_->server->port();
}

void voipbin_sim::stop() {
  {
    std::lock_guard lock{s_->mutex};
    if (s_->stopped) return;
    s_->stopped = true;
    for (auto& [_, sub] : s_->subscribers) sub.peer->close();
  }
  if (s_->server) s_->server->stop();
  asio::post(s_->io, [s = s_] { s->tick.cancel(); });
}

void voipbin_sim::fail_next(const std::string& method, const std::string& path_suffix, int status,
                            int count) {
  std::lock_guard lock{s_->mutex};
  s_->faults.push_back({method, path_suffix, status, count});
}

void voipbin_sim::drop_websockets() {
  std::lock_guard lock{s_->mutex};
  for (auto& [_, sub] : s_->subscribers) sub.peer->close();
  s_->subscribers.clear();
}

void voipbin_sim::refuse_websockets(int status) {
  std::lock_guard lock{s_->mutex};
  s_->refuse_status = status;
}

void voipbin_sim::hang_up(const std::string& call_id) {
  std::lock_guard lock{s_->mutex};
  auto c = s_->calls.find(call_id);
  if (c != s_->calls.end() && c->second.status == "progressing") s_->hang_up(c->second, "");
  s_->flush_outbox();
}

void voipbin_sim::stop_speakings_of(const std::string& call_id) {
  std::lock_guard lock{s_->mutex};
  auto now = clock_type::now();
  for (auto& [_, s] : s_->speakings)
    if (s.call_id == call_id) {
      s.status = "stopped";
      s_->cut_playout(s, now);
    }
  s_->flush_outbox();
}

std::string voipbin_sim::add_speaking(const std::string& call_id, std::chrono::milliseconds initiating_for) {
  std::lock_guard lock{s_->mutex};
  sim_speaking s{new_uuid(s_->rng),
                 call_id,
                 "en-US",
                 "",
                 "both",
                 initiating_for.count() > 0 ? "initiating" : "active",
                 clock_type::now() + initiating_for};
  s.created = s_->new_created();
  s.call = s_->find_call(call_id);
  s_->speakings[s.id] = s;
  s_->speakings_by_call[s.call_id].push_back(s.id);
  return s.id;
}

std::string voipbin_sim::add_transcribe(const std::string& call_id) {
  std::lock_guard lock{s_->mutex};
  sim_transcribe t{new_uuid(s_->rng), call_id, "en-US", "progressing", new_uuid(s_->rng), new_uuid(s_->rng)};
  t.created = s_->new_created();
  auto& stored = s_->transcribes[t.id] = t;
  s_->transcribes_by_call[t.call_id].push_back(t.id);
  if (auto c = s_->calls.find(call_id); c != s_->calls.end()) {
    c->second.transcribe_id = t.id;
    c->second.transcribe = &stored;
    s_->touch(c->second);
  }
  return t.id;
}

void voipbin_sim::end_transcribes_of(const std::string& call_id) {
  std::lock_guard lock{s_->mutex};
  for (auto& [_, t] : s_->transcribes)
    if (t.call_id == call_id && t.status == "progressing") {
      t.status = "done";
      s_->publish("transcribe_done", s_->transcribe_json(t));
    }
  s_->flush_outbox();
}

std::string voipbin_sim::place_call(scripted_call call) {
  std::lock_guard lock{s_->mutex};
  sim_call c;
  c.id = new_uuid(s_->rng);
  c.created = s_->new_created();
  c.label = "call " + std::to_string(++s_->placed);
  c.script = std::move(call);
  if (c.script.confbridge) c.confbridge_id = new_uuid(s_->rng);
  auto id = c.id;
  s_->calls[id] = std::move(c);
  s_->pending_calls.push_back(id);
  return id;
}

std::vector<std::string> voipbin_sim::outbound_calls() const {
  std::lock_guard lock{s_->mutex};
  return s_->outbound;
}

std::string voipbin_sim::add_ended_call() {
  std::lock_guard lock{s_->mutex};
  sim_call c;
  c.id = new_uuid(s_->rng);
  c.created = s_->new_created();
  c.label = "ended call";
  c.status = "hangup";
  auto id = c.id;
  s_->calls[id] = std::move(c);
  return id;
}

void voipbin_sim::cue(const std::string& call_id) {
  std::lock_guard lock{s_->mutex};
  if (auto c = s_->calls.find(call_id); c != s_->calls.end()) {
    c->second.cued = true;
    s_->touch(c->second);
  }
}

std::string voipbin_sim::confbridge_of(const std::string& call_id) const {
  std::lock_guard lock{s_->mutex};
  auto c = s_->calls.find(call_id);
  return c == s_->calls.end() ? std::string{} : c->second.confbridge_id;
}

std::string voipbin_sim::call_status(const std::string& call_id) const {
  std::lock_guard lock{s_->mutex};
  auto c = s_->calls.find(call_id);
  return c == s_->calls.end() ? std::string{} : c->second.status;
}

std::vector<recorded_request> voipbin_sim::requests() const {
  std::lock_guard lock{s_->mutex};
  return s_->log;
}

sim_load voipbin_sim::load() const {
  std::lock_guard lock{s_->mutex};
  return s_->busy;
}

std::size_t voipbin_sim::calls_placed() const {
  std::lock_guard lock{s_->mutex};
  return s_->placed;
}

std::size_t voipbin_sim::calls_finished() const {
  std::lock_guard lock{s_->mutex};
  return s_->finished;
}

std::size_t voipbin_sim::subscribers() const {
  std::lock_guard lock{s_->mutex};
  std::size_t n = 0;
  for (auto& [_, sub] : s_->subscribers) n += sub.topics.empty() ? 0 : 1;
  return n;
}

std::size_t voipbin_sim::live_speakings() const {
  std::lock_guard lock{s_->mutex};
  std::size_t n = 0;
  for (auto& [_, s] : s_->speakings) n += s.status == "active" ? 1 : 0;
  return n;
}

std::size_t voipbin_sim::live_transcribes() const {
  std::lock_guard lock{s_->mutex};
  std::size_t n = 0;
  for (auto& [_, t] : s_->transcribes) n += t.status == "progressing" ? 1 : 0;
  return n;
}

std::vector<heard_text> voipbin_sim::heard(const std::string& call_id) const {
  std::lock_guard lock{s_->mutex};
  auto c = s_->calls.find(call_id);
  return c == s_->calls.end() ? std::vector<heard_text>{} : c->second.heard;
}

std::vector<std::string> voipbin_sim::violations() const {
  std::lock_guard lock{s_->mutex};
  return s_->violations;
}

std::vector<std::chrono::microseconds> voipbin_sim::cut_reactions() const {
  std::lock_guard lock{s_->mutex};
  return s_->reactions;
}

std::vector<caller_frame> voipbin_sim::caller_frames(const std::string& call_id) const {
  std::lock_guard lock{s_->mutex};
  auto c = s_->calls.find(call_id);
  return c == s_->calls.end() ? std::vector<caller_frame>{} : c->second.frames;
}

std::vector<std::chrono::microseconds> voipbin_sim::talk_over_times() const {
  std::lock_guard lock{s_->mutex};
  return s_->talk_overs;
}

std::vector<std::chrono::microseconds> voipbin_sim::answer_latencies() const {
  std::lock_guard lock{s_->mutex};
  return s_->answers;
}

caller_turn::caller_turn(const char* t) : text(t) {}
caller_turn::caller_turn(std::string t) : text(std::move(t)) {}
caller_turn::caller_turn(std::string t, std::chrono::milliseconds interrupt_after)
    : text(std::move(t)), interrupt_after(interrupt_after) {}

}  // namespace parley::sim
