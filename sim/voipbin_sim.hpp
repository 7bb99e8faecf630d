#pragma once
// voipbin-sim: a local stand-in for VoIPBIN that behaves as the real service does
// (voipbin-api.md): the REST endpoints parley uses, the WebSocket with string-prefix topic
// matching and bare resource frames, and calls driven by a script of caller turns: incoming
// ones, and outgoing ones a client places with POST /calls whose callee follows a script. The
// agent's speech plays out at a configurable pace and is cut or kept on /flush as each TTS
// provider does, so a client can be checked for what the caller actually heard. Lists are
// paged, and final transcripts of both directions are kept for GET /transcripts. A client that
// goes away (its WebSocket drops) leaves its calls and their sessions live, as VoIPBIN does. It
// records every REST request it receives. Runs on a caller-provided io_context.

#include <algorithm>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "protocol/result.hpp"

namespace boost::asio {
class io_context;
}

namespace parley::sim {

// One turn of the caller.
struct caller_turn {
  caller_turn(const char* t);  // implicit, so scripted_call{{"one", "two"}} compiles
  caller_turn(std::string t);
  caller_turn(std::string t, std::chrono::milliseconds interrupt_after);
  // The final transcript; empty = a noise (a cough): speech starts, no words, no transcript.
  std::string text;
  // < 0: the caller speaks once the agent has been quiet `quiet`. >= 0: the caller starts
  // speaking this long after the agent's answer to the previous turn (or the greeting, for the
  // first turn) began playing, whether or not it is still playing: an interruption.
  std::chrono::milliseconds interrupt_after{-1};
  // >= 0: the caller speaks again this long after their previous turn ended, whatever the agent
  // does (a caller who keeps talking before the answer comes).
  std::chrono::milliseconds follow_after{-1};
  // false: speech recognition gives interims but never a final transcript for this turn.
  bool final = true;
  // true: the caller says this turn only after voipbin_sim::cue(), however long that takes
  // (nothing times out meanwhile), then as usual.
  bool on_cue = false;
};

struct scripted_call {
  std::vector<caller_turn> utterances;  // said by the caller, one per turn
  // true: the call the client serves is a leg in a confbridge with the caller (the number's
  // flow ran `connect`), so POST /transfers accepts it; false: a transfer answers 500.
  bool confbridge = false;
  // After a transfer of this call: true, the transferee answers (groupcall_progressing with an
  // answer_call_id); false, nobody answers (groupcall_hangup).
  bool transfer_answers = true;
  // The call's source.target and destination.target (the numbers calling and called). A call
  // placed by POST /calls takes its addresses from the request instead.
  std::string source = "+15550100";
  std::string destination = "+15550199";

  scripted_call() = default;
  scripted_call(std::vector<caller_turn> turns) : utterances(std::move(turns)) {}
  // Plain texts, one per turn (a template, so a braced list picks the constructor above).
  template <std::same_as<std::vector<std::string>> Texts>
  scripted_call(const Texts& texts) : utterances(texts.begin(), texts.end()) {}
};

// A speech frame or final transcript of the caller, when the sim wrote it.
struct caller_frame {
  std::chrono::steady_clock::time_point at;
  std::string kind;  // "started", "interim", "final"
  std::string text;
};

// What the caller heard of one /say.
struct heard_text {
  std::string text;
  bool cut = false;  // only a prefix (at a word boundary) was played
};

struct voipbin_sim_options {
  std::string customer_id = "8d3e0a5c-6b1f-4c2a-9f7e-0a1b2c3d4e5f";
  std::string accesskey = "sim-accesskey";
  // The caller speaks once the agent has been quiet this long (after its greeting or answer,
  // counted from the end of its playout).
  std::chrono::milliseconds quiet{400};
  // The caller's words come as one speech_interim each, this far apart (0: all at once, with
  // the final transcript).
  std::chrono::milliseconds word_ms{0};
  // A noise turn: speech ended this long after speech started.
  std::chrono::milliseconds noise_ms{300};
  // The agent's speech plays at this many bytes of /say text a second, one text after
  // another; 0: a text is played the moment /say accepts it.
  double playout_chars_per_second = 0;
  // ElevenLabs: a text received at least this long before a /flush has been generated and
  // still plays after it.
  std::chrono::milliseconds tts_generation_ms{300};
  // false: the transcription never hears the agent (no `out` speech events or transcripts), as
  // when speech recognition misses the agent's voice; a client must estimate playout itself.
  bool agent_voice_heard = true;
  // Calls go `progressing` only once a client has been subscribed this long.
  std::chrono::milliseconds start_delay{0};
  // The caller stops waiting for an answer after this long.
  std::chrono::milliseconds answer_timeout{10000};
  // The server pings every WebSocket client this often (VoIPBIN: 10 s) and drops one that
  // has not answered within twice that.
  std::chrono::milliseconds ping_interval{10000};
  // WebSocket upgrades are answered with this HTTP status instead of 101 (0: accepted), until
  // refuse_websockets() changes it.
  int refuse_websockets = 0;
  // Frames as {"type","data"} (the legacy form) instead of bare resources.
  bool legacy_frames = false;
  // Every WebSocket frame sent twice.
  bool duplicate_frames = false;
  // List pages hold at most this many items, whatever page_size asks (VoIPBIN: 100). Small
  // values make a client page (voipbin-api.md §3).
  std::size_t max_page_size = 100;
  // false: GET /transcripts ignores page_size and page_token and always answers the newest
  // 100, as the 2026-08 snapshot does (voipbin-api.md §3); true: paged like the other lists.
  bool transcripts_paged = true;
  // Frames go out this much later than the event happened.
  std::chrono::milliseconds event_delay{0};
  // The frames of events that happen together (speech started, ended, transcript; hangup and
  // transcribe_done) go out in reverse order.
  bool reorder_events = false;
  // After an accepted transfer: the groupcall's outcome (answered or not) comes this much later.
  std::chrono::milliseconds transfer_ring{0};
  // What the callee of every call placed by POST /calls says once they answer: the same turns
  // as a caller's. By default they ask who is calling (after the agent's greeting, or after
  // `quiet` without one), then say goodbye once answered, and hang up after the next answer.
  scripted_call outbound_script{{"Hello, who is this?", "Thanks, goodbye."}};
  // A call placed by POST /calls is `dialing`, `ringing` from the next tick, and answered
  // (`progressing`) this long after it was placed.
  std::chrono::milliseconds outbound_ring{200};
  // A tel/sip destination with this target never answers: after outbound_ring the call hangs up
  // with hangup_reason `noanswer` (empty: every callee answers).
  std::string outbound_no_answer;
  // The customer's rate limit (voipbin-api.md §8); 0 disables it. Over it: 429 with
  // Retry-After.
  double rate_limit = 0;
  double rate_burst = 33;
  // Also deliver every event as a signed webhook POST to this URL (empty: WebSocket only),
  // with VoIPBIN's retries: 3 attempts, 1 s apart, on connection errors and 5xx.
  std::string webhook_url;
  std::string webhook_secret;
  bool webhook_twice = false;  // deliver each webhook twice (a retried delivery)
  // Called for every line of the conversation ("caller: ..." / "agent: ...").
  std::function<void(const std::string& call_label, const std::string& line)> on_line;
  // For load drivers, called on the io thread: a caller's final transcript written, a /say
  // accepted for a live call (both with the call id).
  std::function<void(const std::string& call_id, const std::string& text)> on_caller_final;
  std::function<void(const std::string& call_id, const std::string& text)> on_say;
  // false keeps no request log (requests() stays empty): memory stays flat under load.
  bool record_requests = true;
  // For long load runs: a call that hung up this long ago is forgotten with its sessions and
  // transcripts (requests naming them then answer 404, lists no longer hold them); 0 keeps all.
  std::chrono::milliseconds forget_after{0};
};

// How long the simulator's own work took: for load drivers, which must see that the simulator is
// not the bottleneck (its tick and its REST handlers run on the io thread, under its mutex).
struct busy_stats {
  std::size_t count = 0;
  std::chrono::nanoseconds total{}, max{};
  std::size_t over_1ms = 0;  // how many took 1 ms or more
  void add(std::chrono::nanoseconds d) {
    ++count;
    total += d;
    max = std::max(max, d);
    over_1ms += d >= std::chrono::milliseconds(1) ? 1 : 0;
  }
};
struct sim_load {
  // Each 20 ms tick: from its start to its end (waiting for the mutex included), the time it held
  // the mutex, its CPU time (less than `tick` when the thread waited for a core), and how long
  // after its time it began (the io thread was busy, or waited for a core).
  busy_stats tick, tick_held, tick_cpu, tick_late;
  busy_stats requests;     // each REST request, the time it held the mutex
  std::size_t frames = 0;  // WebSocket frames sent (the copies of duplicate_frames not counted)
};

struct recorded_request {
  std::string method;
  std::string path;  // without the /v1.0 prefix and the query
  std::string body;
  bool authorized = false;
  int status = 0;  // what the simulator answered
  std::string response;
  std::chrono::steady_clock::time_point at{};
  std::string query;  // as sent, without the credentials
};

class voipbin_sim {
 public:
  voipbin_sim(boost::asio::io_context& io, voipbin_sim_options options);
  ~voipbin_sim();

  // Listens on host:port (0 = any free port) and returns the bound port.
  result<uint16_t> start(const std::string& host, uint16_t port);
  void stop();

  // Queues a call; it reaches `progressing` once a WebSocket client has subscribed.
  // Returns the call id. Thread-safe.
  std::string place_call(scripted_call call);
  // The ids of the calls placed by POST /calls (direction `outgoing`), in the order placed.
  std::vector<std::string> outbound_calls() const;

  // Fault knobs (thread-safe).
  // Closes every WebSocket; events published until the client is back are lost.
  void drop_websockets();
  // While `status` is not 0, WebSocket upgrades are answered with it (e.g. 503: VoIPBIN is
  // down) instead of 101.
  void refuse_websockets(int status);
  // The next `count` requests whose path ends with `path_suffix` get `status`.
  void fail_next(const std::string& method, const std::string& path_suffix, int status, int count = 1);
  // The caller hangs up now.
  void hang_up(const std::string& call_id);
  // Stops the call's speaking sessions behind the client's back: /say answers 404.
  void stop_speakings_of(const std::string& call_id);
  // A live speaking session for the call that the client did not create (a second POST then
  // answers 500); `initiating_for` > 0 keeps it `initiating` that long.
  std::string add_speaking(const std::string& call_id, std::chrono::milliseconds initiating_for = {});
  // A progressing transcribe the client did not create (a second POST then answers 409).
  std::string add_transcribe(const std::string& call_id);
  // VoIPBIN ends the call's transcription while the call goes on (transcribe_done).
  void end_transcribes_of(const std::string& call_id);
  // A call of the customer's history that hung up before now (newer than every call so far):
  // lists hold it, nothing else happens to it. Returns its id.
  std::string add_ended_call();
  // The caller of `call_id` may say their next turn that waits for its cue (caller_turn::on_cue).
  void cue(const std::string& call_id);

  std::vector<recorded_request> requests() const;
  // How long the ticks and the REST handlers took so far.
  sim_load load() const;
  // The confbridge a call is a leg in ("" when none: scripted_call::confbridge). VoIPBIN keeps it
  // on the call but its call JSON (WebhookMessage) does not show it.
  std::string confbridge_of(const std::string& call_id) const;
  // The call's status (dialing, progressing, hangup), "" for an unknown id.
  std::string call_status(const std::string& call_id) const;
  std::size_t calls_placed() const;
  std::size_t calls_finished() const;  // hung up
  std::size_t subscribers() const;
  // Speaking sessions that are still `active` (VoIPBIN does not stop them on hangup).
  std::size_t live_speakings() const;
  // Transcribe sessions that are still `progressing`.
  std::size_t live_transcribes() const;
  // What the caller heard of the agent, in order, across all speaking sessions of the call.
  // Texts dropped before they played (or cut before their first word) are absent.
  std::vector<heard_text> heard(const std::string& call_id) const;
  // Every /say accepted after the agent cut its speech (/flush or /stop) during a caller turn
  // with words and before that turn's final transcript: a stale sentence of the interrupted
  // reply. One line each, with the call label and the text.
  std::vector<std::string> violations() const;
  // For every /flush or speaking /stop of a call shortly after the caller spoke: the time from
  // the caller's last speech frame written (speech started, interim or final transcript) to
  // the request's arrival. The barge-in reaction as VoIPBIN would see it.
  std::vector<std::chrono::microseconds> cut_reactions() const;
  // For every answered caller turn with words: from its final transcript being written to the
  // first /say of the answer arriving.
  std::vector<std::chrono::microseconds> answer_latencies() const;
  // For the same cuts: from the start of the caller's speech to the cut's arrival, how long the
  // agent talked over the caller.
  std::vector<std::chrono::microseconds> talk_over_times() const;
  // The caller's speech frames and final transcripts of a call, in order (for ordering checks).
  std::vector<caller_frame> caller_frames(const std::string& call_id) const;

  struct state;

 private:
  std::shared_ptr<state> s_;
};

}  // namespace parley::sim
