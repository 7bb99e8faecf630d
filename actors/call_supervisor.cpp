#include "actors/call_supervisor.hpp"

#include <spdlog/spdlog.h>
#include <caf/all.hpp>
#include <chrono>
#include <deque>
#include <limits>
#include <optional>
#include <unordered_set>

#include "actors/atoms.hpp"
#include "actors/brain.hpp"
#include "actors/children.hpp"
#include "actors/messages.hpp"
#include "actors/observers.hpp"
#include "actors/rest_bridge.hpp"
#include "protocol/call_checkpoint.hpp"
#include "protocol/call_journal.hpp"
#include "protocol/metrics.hpp"
#include "protocol/playout_tracker.hpp"
#include "protocol/tools.hpp"
#include "protocol/transcript_history.hpp"
#include "protocol/turn_policy.hpp"
#include "protocol/voipbin_requests.hpp"
#include "protocol/voipbin_resources.hpp"

namespace parley {

namespace {

using clock_type = std::chrono::steady_clock;
constexpr std::size_t none = std::numeric_limits<std::size_t>::max();

// listening: the caller has the floor. thinking: the model works on an answer and nothing of it
// has been said. speaking: the caller is hearing the agent (until playout ends, not until the
// model is done). ending: the call is over.
enum class phase { listening, thinking, speaking, ending };

turn::phase policy_phase(phase p) {
  switch (p) {
    case phase::listening:
      return turn::phase::listening;
    case phase::thinking:
      return turn::phase::thinking;
    case phase::speaking:
      return turn::phase::speaking;
    case phase::ending:
      break;
  }
  return turn::phase::ending;
}

// The agent's reply in progress: what was generated, handed to speaking, and heard.
struct reply_state {
  std::string generated;          // every sentence of it so far
  std::vector<std::string> held;  // sentences held back while the caller is still talking
  bool holding = false;
  bool generating = false;                // the brain is working on it
  uint64_t last_seq = 0;                  // the last text handed to speaking
  uint64_t resolved_seq = 0;              // the last text speaking has answered for
  std::size_t history_index = none;       // its assistant message, once it has one
  std::string heard_before;               // a resumed reply: what the caller heard of it before
  bool hangup_after = false;              // the goodbye: hang up once it has been heard
  bool release_after = false;             // the drain message: stop the sessions once it has been heard
  bool transfer_after = false;            // transfer_call: transfer once the transfer message is heard
  clock_type::time_point first_handed{};  // its first text went to speaking: older voice is not its
  playout_tracker playout;
  // Tools the model called in this reply (docs/tools.md): its assistant messages that called
  // them, the calls not run yet, and the one whose result is awaited.
  std::vector<std::size_t> tool_messages;
  std::deque<tool_call> tools_queued;
  tool_call tool_running;  // id empty: none
  int tools_run = 0;       // bounded by agent.max-tool-calls
};

// When each stage of a turn happened (DESIGN §7).
struct turn_stamps {
  clock_type::time_point event, llm_written, first_token, first_say_sent, first_say_answered;
};

struct supervisor_state {
  static inline const char* name = "call-supervisor";
  std::shared_ptr<const runtime> rt;
  std::string call_id;
  std::string source, destination;  // the call's numbers (targets), when VoIPBIN sent them
  bool outbound = false;            // placed with POST /v1/calls
  caf::actor_addr gateway;
  transcribe_actor transcribe;
  speaking_actor speaking;
  plugin::brain_actor brain;
  tool_runner_actor tools;                     // the HTTP tools' runner, when agent.tools-file has any
  std::vector<call_observer_actor> observers;  // agent.observers, told every event of the call
  phase now = phase::listening;
  uint64_t epoch = 0;
  uint64_t next_seq = 0;
  chat_history history;
  std::size_t user_index = none;  // the caller's message being answered
  reply_state reply;
  // After a barge-in: the rest of the interrupted reply, said again if no words follow.
  std::string unheard;
  std::string interrupted_heard;
  std::size_t interrupted_index = none;
  bool words_since_barge_in = false;
  uint64_t barge_generation = 0;
  uint64_t hold_generation = 0;
  uint64_t silence_generation = 0;
  int unanswered_prompts = 0;
  turn_stamps stamps;
  std::deque<turn_stamps> recent_turns;  // the last few, for logs and call records
  int turns = 0;
  bool hangup_sent = false;
  std::string hung_up_by;  // someone other than the agent asked (the operator)
  std::string end_reason;  // how the call ended, when none of the usual ways
  bool greeted = false;
  bool wrapping_up = false;  // saying the drain message: the caller changes nothing now
  // transfer_call: POST /transfers is out or done, the call is leaving; the call it answers.
  bool transferring = false;
  tool_call transfer_call;
  // A barge-in cut a tool short: a false interruption asks the model again.
  bool interrupted_tools = false;
  bool ended = false;      // sessions are being stopped
  bool listening = false;  // the transcribe session is up
  // Adopting a call an earlier process served (DESIGN §8): the conversation is rebuilt from
  // VoIPBIN's transcripts first; what the call says meanwhile waits in `held_voice`.
  bool restoring = false;
  std::string restore_from;  // the adopted transcribe id (live, or ended if the call was released)
  std::vector<voipbin::transcript> restored;
  std::unordered_set<std::string> restored_ids;
  // Cluster mode: the caller's finals in the history (for the checkpoint), and on adoption the
  // checkpoint read back, awaited with the transcripts.
  std::vector<std::string> finals;
  bool awaiting_checkpoint = false;
  std::optional<bool> transcripts_read;  // complete or not, once read
  std::optional<call_checkpoint> saved;
  std::vector<voice_event> held_voice;
};

constexpr uint64_t hangup_tag = 1;
constexpr uint64_t transcripts_tag = 2;
constexpr uint64_t transfer_tag = 3;
constexpr std::size_t kept_turns = 32;
constexpr auto greeting_wait = std::chrono::seconds(3);

// Roughly how long VoIPBIN needs to speak `text` (about 14 characters a second): the last
// resort for a goodbye whose playout is never confirmed.
std::chrono::milliseconds playout_time(const std::string& text) {
  return std::chrono::milliseconds(std::min<std::size_t>(10000, 500 + text.size() * 70));
}

using supervisor_ptr = call_supervisor_actor::stateful_pointer<supervisor_state>;

double seconds_between(clock_type::time_point a, clock_type::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

clock_type::time_point from_ns(int64_t ns) {
  return clock_type::time_point(clock_type::duration(ns));
}

void arm_silence_timer(supervisor_ptr self) {
  auto& st = self->state;
  ++st.silence_generation;
  if (st.rt->agent.silence_timeout.count() > 0)
    self->delayed_send(self, st.rt->agent.silence_timeout, atoms::silence_v, st.silence_generation);
}

// A new reply (a new epoch): whatever is still on its way for the old one is stale.
void start_reply(supervisor_ptr self) {
  auto& st = self->state;
  ++st.epoch;
  st.reply = reply_state{};
}

void hand_to_speaking(supervisor_ptr self, const std::string& text) {
  auto& st = self->state;
  if (text.empty() || !st.speaking) return;
  st.reply.last_seq = ++st.next_seq;
  if (st.reply.first_handed == clock_type::time_point{}) st.reply.first_handed = clock_type::now();
  st.reply.playout.expect();
  self->send(st.speaking, atoms::say_v, st.epoch, st.reply.last_seq, text);
}

void end_call(supervisor_ptr self);
void save_checkpoint(supervisor_ptr self);
void start_transfer(supervisor_ptr self);

// Tells the call's observers and the journal (GET /v1/calls, the dashboard, the call records).
void tell(supervisor_state& st, plugin::call_event ev) {
  ev.unix_ms = unix_ms_now();
  if (st.rt->journal) st.rt->journal->event(st.call_id, ev);
  notify(st.observers, std::move(ev));
}

// A stage of the current turn reached, `seconds` after the caller's final transcript.
void stage_reached(supervisor_state& st, std::string_view stage, double seconds) {
  if (st.rt->journal) st.rt->journal->latency(st.call_id, st.epoch, stage, seconds * 1000.0);
}

void keep_turn_stamps(supervisor_state& st) {
  if (st.stamps.event == clock_type::time_point{}) return;
  st.recent_turns.push_back(st.stamps);
  if (st.recent_turns.size() > kept_turns) st.recent_turns.pop_front();
}

void hang_up(supervisor_ptr self) {
  auto& st = self->state;
  if (std::exchange(st.hangup_sent, true)) return;
  send_rest(*st.rt, self->address(), hangup_tag, voipbin::hangup_call(st.call_id));
  // VoIPBIN's call_hangup event ends the call; end it anyway if that never comes.
  self->delayed_send(self, std::chrono::seconds(10), atoms::hangup_v);
}

// The caller has heard the whole reply: the floor is theirs.
void reply_heard(supervisor_ptr self) {
  auto& st = self->state;
  st.now = phase::listening;
  save_checkpoint(self);
  if (!st.reply.generated.empty())
    tell(st, {plugin::call_event_kind::heard, st.reply.generated, {}, {}, false, st.epoch, 0});
  // A resumed reply: now the caller has heard all of it.
  auto& r = st.reply;
  if (!r.heard_before.empty() && r.history_index != none && r.history_index < st.history.size())
    st.history[r.history_index] = {"assistant", r.heard_before + " " + r.generated, false};
  if (st.reply.hangup_after) return hang_up(self);
  if (st.reply.release_after) return end_call(self);
  if (st.reply.transfer_after) return start_transfer(self);
  arm_silence_timer(self);
}

void check_played(supervisor_ptr self) {
  auto& st = self->state;
  auto& r = st.reply;
  if (st.now != phase::speaking || r.generating || r.holding || r.resolved_seq < r.last_seq) return;
  if (!r.playout.played(clock_type::now())) return;
  reply_heard(self);
}

// Says a fixed text (greeting, prompts) as a reply of its own.
void speak(supervisor_ptr self, const std::string& text) {
  auto& st = self->state;
  start_reply(self);
  if (text.empty() || !st.speaking) {
    reply_heard(self);
    return;
  }
  st.reply.generated = text;
  st.now = phase::speaking;
  hand_to_speaking(self, text);
}

void release_held(supervisor_ptr self) {
  auto& st = self->state;
  auto& r = st.reply;
  r.holding = false;
  for (const auto& s : r.held) hand_to_speaking(self, s);
  if (!r.held.empty()) st.now = phase::speaking;
  r.held.clear();
  if (st.now == phase::thinking && !r.generating && r.last_seq == 0) return reply_heard(self);
  check_played(self);
}

void think(supervisor_ptr self, int64_t event_ns) {
  auto& st = self->state;
  st.reply.generating = true;
  st.now = phase::thinking;
  st.stamps = turn_stamps{};
  st.stamps.event = from_ns(event_ns);
  ++st.silence_generation;  // no silence prompt while the agent answers
  // The model sees the newest llm.max-history messages; st.history keeps them all.
  self->send(st.brain, atoms::think_v, st.epoch, recent_history(st.history, st.rt->llm.max_history));
}

void cancel_brain(supervisor_ptr self) {
  auto& st = self->state;
  if (st.reply.generating && st.brain)
    self->send<caf::message_priority::high>(st.brain, atoms::cancel_v, st.epoch);
  st.reply.generating = false;
}

// The reply's assistant message, if it has one and nothing followed it, is dropped.
void drop_reply_message(supervisor_state& st) {
  if (st.reply.history_index != none && st.reply.history_index + 1 == st.history.size())
    st.history.pop_back();
  st.reply.history_index = none;
}

// The model has said all it will of the reply (nothing more is coming from the brain).
void finish_reply(supervisor_ptr self) {
  auto& st = self->state;
  auto& r = st.reply;
  r.generating = false;
  ++st.turns;
  st.rt->stats->turns_total.inc();
  keep_turn_stamps(st);
  if (st.now == phase::thinking && !r.holding && r.last_seq == 0) return reply_heard(self);
  check_played(self);
}

// Text the agent adds to the reply in progress (a tool's goodbye or transfer message): after
// what it said so far, held back with it if the caller is still talking.
void add_to_reply(supervisor_ptr self, const std::string& text) {
  auto& st = self->state;
  auto& r = st.reply;
  if (text.empty()) return;
  r.generated += (r.generated.empty() ? "" : " ") + text;
  if (r.holding) return r.held.push_back(text);
  st.now = phase::speaking;
  hand_to_speaking(self, text);
}

// ---- Tools (docs/tools.md) ----

bool builtin_enabled(const supervisor_state& st, std::string_view name) {
  const auto& on = st.rt->agent.builtin_tools;
  return std::find(on.begin(), on.end(), name) != on.end();
}

bool http_tool_named(const supervisor_state& st, const std::string& name) {
  return find_http_tool(st.rt->agent.http_tools, name) != nullptr;
}

void count_tool(supervisor_state& st, const std::string& name, const char* outcome) {
  // Only names parley knows become labels: a model can make up any number of others.
  bool known = (is_builtin_tool(name) && builtin_enabled(st, name)) || http_tool_named(st, name);
  st.rt->stats->tool_calls_total.inc("tool=\"" + (known ? name : std::string("unknown")) + "\",outcome=\"" +
                                     outcome + "\"");
}

// Every call the model made gets a result in the history, or the next request is refused.
void add_tool_result(supervisor_ptr self, const tool_call& call, std::string content, bool error) {
  auto& st = self->state;
  tell(st, {plugin::call_event_kind::tool_call, call.arguments, call.name, content, error, st.epoch, 0});
  chat_message m{"tool", std::move(content)};
  m.tool_call_id = call.id;
  m.tool_error = error;
  st.history.push_back(std::move(m));
}

void refuse_queued(supervisor_ptr self, const std::string& why) {
  auto& st = self->state;
  for (const auto& c : st.reply.tools_queued) {
    count_tool(st, c.name, "refused");
    add_tool_result(self, c, "not run: " + why, true);
  }
  st.reply.tools_queued.clear();
}

// The reply stops before its tools are done (barge-in, a merged turn, the drain): the tool
// running is cancelled and its result never spoken, the queued ones never run.
void close_tools(supervisor_ptr self, const std::string& why) {
  auto& st = self->state;
  auto& r = st.reply;
  if (!r.tool_running.id.empty()) {
    if (st.tools) self->send<caf::message_priority::high>(st.tools, atoms::cancel_v, st.epoch);
    count_tool(st, r.tool_running.name, "cancelled");
    add_tool_result(self, r.tool_running,
                    "cancelled: " + why + " before it finished; it may have taken effect", true);
    r.tool_running = {};
  }
  refuse_queued(self, why);
}

// The model goes on with the tools' results: what it says is the rest of this reply.
void continue_reply(supervisor_ptr self) {
  auto& st = self->state;
  self->send(st.brain, atoms::think_v, st.epoch, recent_history(st.history, st.rt->llm.max_history));
}

// end_call: the goodbye is what the model said with the call, or agent.goodbye; the call is
// hung up once the caller has heard it.
void end_by_tool(supervisor_ptr self, const tool_call& call) {
  auto& st = self->state;
  auto& r = st.reply;
  count_tool(st, call.name, "ok");
  add_tool_result(self, call, "ok: the call ends once the caller has heard your goodbye", false);
  refuse_queued(self, "the call is ending");
  spdlog::info("call {}: the agent ends the call", st.call_id);
  r.hangup_after = true;
  if (st.history[r.tool_messages.back()].content.empty() && !st.rt->agent.goodbye.empty()) {
    st.history.push_back({"assistant", st.rt->agent.goodbye});
    r.history_index = st.history.size() - 1;
    add_to_reply(self, st.rt->agent.goodbye);
  }
  // If its playout is never confirmed, hang up anyway once it must have been heard.
  self->delayed_send(self, 2 * playout_time(r.generated) + std::chrono::seconds(5), atoms::hangup_call_v);
  finish_reply(self);
}

// transfer_call: the caller hears agent.transfer-message, then POST /transfers; the call's
// result is the transfer's answer.
void transfer_by_tool(supervisor_ptr self, const tool_call& call) {
  auto& st = self->state;
  auto& r = st.reply;
  refuse_queued(self, "the call is being transferred");
  spdlog::info("call {}: the agent transfers the call to {}", st.call_id, st.rt->agent.transfer_to);
  st.transfer_call = call;
  r.transfer_after = true;
  const auto& message = st.rt->agent.transfer_message;
  if (!message.empty()) {
    auto& said = st.history[r.tool_messages.back()].content;
    said += (said.empty() ? "" : " ") + message;
    add_to_reply(self, message);
  }
  self->delayed_send(self, 2 * playout_time(r.generated) + std::chrono::seconds(5), atoms::transfer_v,
                     st.epoch);
  finish_reply(self);
}

void start_transfer(supervisor_ptr self) {
  auto& st = self->state;
  st.reply.transfer_after = false;
  if (st.now == phase::ending || std::exchange(st.transferring, true)) return;
  ++st.silence_generation;
  send_rest(*st.rt, self->address(), transfer_tag,
            voipbin::create_transfer(st.call_id, st.rt->agent.transfer_to));
}

int64_t now_ns() {
  return clock_type::now().time_since_epoch().count();
}

void on_transfer(supervisor_ptr self, const http_reply& r) {
  auto& st = self->state;
  auto call = std::exchange(st.transfer_call, {});
  count_tool(st, call.name, r.ok() ? "ok" : "error");
  // VoIPBIN hangs up the transferer, the call parley serves, before it answers (docs/tools.md):
  // its call_hangup has usually ended the call here already.
  if (st.now == phase::ending) return;
  if (r.ok()) {
    // If the call_hangup never comes, the sessions are stopped anyway.
    spdlog::info("call {}: transferred to {}", st.call_id, st.rt->agent.transfer_to);
    add_tool_result(self, call, "ok: the caller was transferred; the call has left you", false);
    self->delayed_send(self, std::chrono::seconds(10), atoms::hangup_v);
    return;
  }
  auto why = r.error.empty() ? "VoIPBIN answered " + std::to_string(r.status) : r.error;
  spdlog::warn("call {}: transfer to {} failed: {}", st.call_id, st.rt->agent.transfer_to, why);
  add_tool_result(self, call,
                  "error: the transfer failed (" + why + "); the caller is still on the line with you", true);
  st.transferring = false;
  if (st.wrapping_up) return;
  // The model tells the caller.
  start_reply(self);
  think(self, now_ns());
}

// Runs the reply's queued tools in order, one at a time; once every call has its result the
// model goes on.
void run_tools(supervisor_ptr self) {
  auto& st = self->state;
  auto& r = st.reply;
  const auto& agent = st.rt->agent;
  while (!r.tools_queued.empty()) {
    auto call = std::move(r.tools_queued.front());
    r.tools_queued.pop_front();
    if (r.tools_run >= agent.max_tool_calls) {
      count_tool(st, call.name, "refused");
      add_tool_result(self, call,
                      "not run: this turn already ran " + std::to_string(agent.max_tool_calls) +
                          " tools (agent.max-tool-calls); answer the caller with what you have",
                      true);
      continue;
    }
    ++r.tools_run;  // every call counts, an unknown one too: a model repeating it must stop
    if (is_builtin_tool(call.name) && builtin_enabled(st, call.name))
      return call.name == end_call_tool ? end_by_tool(self, call) : transfer_by_tool(self, call);
    if (st.tools && http_tool_named(st, call.name)) {
      r.tool_running = call;
      self->send(st.tools, atoms::run_tool_v, st.epoch, std::move(call));
      return;
    }
    count_tool(st, call.name, "refused");
    add_tool_result(self, call, "error: there is no tool named '" + call.name + "'", true);
  }
  continue_reply(self);
}

// The model said `text` (already on its way to the caller) and called tools.
void on_tool_calls(supervisor_ptr self, std::string text, std::vector<tool_call> calls) {
  auto& st = self->state;
  auto& r = st.reply;
  std::string names;
  for (const auto& c : calls) names += (names.empty() ? "" : ", ") + c.name;
  spdlog::info("call {}: agent: {} [calls {}]", st.call_id, text, names);
  chat_message m{"assistant", std::move(text)};
  m.tool_calls = calls;
  st.history.push_back(std::move(m));
  r.tool_messages.push_back(st.history.size() - 1);
  bool spent = r.tools_run >= st.rt->agent.max_tool_calls;
  for (auto& c : calls) r.tools_queued.push_back(std::move(c));
  if (!spent) return run_tools(self);
  // It was told this turn's tools are spent and called more: the turn ends here.
  refuse_queued(self, "this turn already ran its tools (agent.max-tool-calls)");
  if (r.generated.empty()) add_to_reply(self, st.rt->agent.error_prompt);
  finish_reply(self);
}

// A final transcript while listening: the caller's turn is over, answer it.
void take_turn(supervisor_ptr self, std::string text, int64_t event_ns) {
  auto& st = self->state;
  spdlog::info("call {}: caller: {}", st.call_id, text);
  tell(st, {plugin::call_event_kind::caller_said, text, {}, {}, false, st.epoch + 1, 0});
  st.unanswered_prompts = 0;
  ++st.barge_generation;  // a real turn: the interrupted reply is not resumed
  st.unheard.clear();
  st.interrupted_tools = false;
  st.history.push_back({"user", std::move(text), false});
  st.user_index = st.history.size() - 1;
  start_reply(self);
  think(self, event_ns);
}

// Another final before anything of the answer was said (DESIGN §4): both texts are one turn.
void merge_turn(supervisor_ptr self, const std::string& text, int64_t event_ns) {
  auto& st = self->state;
  if (st.user_index == none || st.user_index >= st.history.size()) return take_turn(self, text, event_ns);
  spdlog::info("call {}: caller went on: {}", st.call_id, text);
  tell(st, {plugin::call_event_kind::caller_said, text, {}, {}, false, st.epoch + 1, 0});
  cancel_brain(self);
  close_tools(self, "the caller went on talking");
  drop_reply_message(st);
  auto& user = st.history[st.user_index].content;
  user += (user.empty() ? "" : " ") + text;
  st.rt->stats->turns_merged_total.inc();
  start_reply(self);
  think(self, event_ns);
}

// The caller is still talking while the answer is being written: hold it back until they have
// been quiet for the timeout (each interim starts it again) or their final merges the turns.
void hold(supervisor_ptr self) {
  auto& st = self->state;
  auto timeout = st.rt->agent.false_interruption_timeout;
  if (timeout.count() == 0) return;
  st.reply.holding = true;
  self->delayed_send(self, timeout, atoms::hold_over_v, st.epoch, ++st.hold_generation);
}

// The caller spoke over the agent (DESIGN §4): one urgent message to the brain and to
// speaking; history keeps what the caller heard, marked interrupted, never the unsaid rest.
void barge_in(supervisor_ptr self, int64_t event_ns, bool with_words) {
  auto& st = self->state;
  auto& r = st.reply;
  auto heard_reply = r.playout.heard(clock_type::now());
  auto heard_said = r.heard_before.empty() ? heard_reply
                    : heard_reply.empty()  ? r.heard_before
                                           : r.heard_before + " " + heard_reply;
  // What was heard of the messages that called tools stays in them, before their results; the
  // rest of what was heard is the reply's last message.
  auto left = playout_tracker::count_words(heard_reply);
  for (auto i : r.tool_messages) {
    auto& m = st.history[i];
    auto words = playout_tracker::count_words(m.content);
    if (left >= words) {
      left -= words;
      continue;
    }
    m.content = playout_tracker::first_words(m.content, left);
    m.interrupted = true;
    left = 0;
  }
  auto heard = playout_tracker::after_words(heard_reply, playout_tracker::count_words(heard_reply) - left);
  // A tool was cut short: a false interruption asks the model again rather than repeat words.
  st.interrupted_tools = !r.tool_running.id.empty() || !r.tools_queued.empty();
  close_tools(self, "the caller interrupted");
  auto heard_all = r.heard_before.empty() ? heard
                   : heard.empty()        ? r.heard_before
                                          : r.heard_before + " " + heard;
  if (r.history_index != none && r.history_index < st.history.size()) {
    if (heard_all.empty()) {
      drop_reply_message(st);
    } else {
      st.history[r.history_index] = {"assistant", heard_all, true};
    }
  } else if (!heard_all.empty()) {
    st.history.push_back({"assistant", heard_all, true});
    r.history_index = st.history.size() - 1;
  }
  st.unheard = playout_tracker::after_words(r.generated, playout_tracker::count_words(heard_reply));
  st.interrupted_heard = heard_all;
  st.interrupted_index = heard_all.empty() ? none : r.history_index;
  cancel_brain(self);
  start_reply(self);
  st.now = phase::listening;
  self->send<caf::message_priority::high>(st.speaking, atoms::flush_v, st.epoch, event_ns);
  st.rt->stats->bargeins_total.inc();
  spdlog::info("call {}: caller interrupted the agent; heard: \"{}\"", st.call_id, heard_said);
  tell(st, {plugin::call_event_kind::barge_in, heard_said, {}, {}, false, st.epoch - 1, 0});
  st.words_since_barge_in = with_words;
  ++st.barge_generation;
  auto timeout = st.rt->agent.false_interruption_timeout;
  if (timeout.count() > 0 && (!st.unheard.empty() || st.interrupted_tools))
    self->delayed_send(self, timeout, atoms::resume_v, st.barge_generation);
  arm_silence_timer(self);
}

// A barge-in brought no words: say the part of the reply the caller has not heard.
void resume(supervisor_ptr self) {
  auto& st = self->state;
  auto rest = std::exchange(st.unheard, {});
  if (std::exchange(st.interrupted_tools, false)) {
    // Its tools were cancelled: the model, shown what was heard and what was cancelled, goes on.
    spdlog::info("call {}: false interruption; the model goes on", st.call_id);
    st.rt->stats->bargeins_false_total.inc();
    start_reply(self);
    return think(self, now_ns());
  }
  spdlog::info("call {}: false interruption; the agent goes on: {}", st.call_id, rest);
  st.rt->stats->bargeins_false_total.inc();
  start_reply(self);
  auto& r = st.reply;
  r.heard_before = st.interrupted_heard;
  r.generated = rest;
  if (st.interrupted_index != none && st.interrupted_index < st.history.size()) {
    // It stays as heard, interrupted, until the rest has been played (reply_heard).
    r.history_index = st.interrupted_index;
  } else {
    st.history.push_back({"assistant", rest, false});
    r.history_index = st.history.size() - 1;
  }
  ++st.silence_generation;
  st.now = phase::speaking;
  hand_to_speaking(self, rest);
}

void on_caller_voice(supervisor_ptr self, turn::signal kind, std::string& text, int64_t event_ns) {
  auto& st = self->state;
  bool words = kind != turn::signal::speech_started && playout_tracker::count_words(text) > 0;
  if (words) st.words_since_barge_in = true;
  // Saying goodbye or being transferred: nothing changes that now.
  if (st.reply.hangup_after || st.reply.transfer_after || st.wrapping_up || st.transferring) return;
  auto what = turn::decide({kind, "in", text}, policy_phase(st.now), st.rt->agent.barge_in);
  switch (what) {
    case turn::action::ignore:
      return;
    case turn::action::hold:
      return hold(self);
    case turn::action::barge_in:
      return barge_in(self, event_ns, words);
    case turn::action::answer:
      return take_turn(self, std::move(text), event_ns);
    case turn::action::barge_in_answer:
      barge_in(self, event_ns, words);
      return take_turn(self, std::move(text), event_ns);
    case turn::action::merge:
      return merge_turn(self, text, event_ns);
  }
}

void on_agent_voice(supervisor_ptr self, turn::signal kind, const std::string& text, int64_t event_ns) {
  auto& st = self->state;
  // Read before this reply's first text went to speaking: the tail of an earlier reply.
  if (st.reply.first_handed == clock_type::time_point{} || from_ns(event_ns) < st.reply.first_handed) return;
  if (kind == turn::signal::interim)
    st.reply.playout.interim(text);
  else if (kind == turn::signal::final_transcript)
    st.reply.playout.final_transcript(text);
  check_played(self);
}

void end_call(supervisor_ptr self) {
  auto& st = self->state;
  if (st.ended) return;
  st.ended = true;
  st.now = phase::ending;
  ++st.silence_generation;
  spdlog::info("call {}: ended after {} turns", st.call_id, st.turns);
  tell(st, {plugin::call_event_kind::ended,
            !st.end_reason.empty()   ? st.end_reason
            : st.transferring        ? "transferred"
            : !st.hung_up_by.empty() ? "hung up by " + st.hung_up_by
            : st.hangup_sent         ? "hung up by the agent"
                                     : "call over",
            {},
            {},
            false,
            st.epoch,
            0});
  if (st.brain) self->send<caf::message_priority::high>(st.brain, atoms::cancel_v, st.epoch);
  if (st.transcribe) self->send(st.transcribe, atoms::stop_v);
  if (st.speaking) self->send(st.speaking, atoms::stop_v);
  if (st.brain) self->send_exit(st.brain, caf::exit_reason::user_shutdown);
  if (st.tools) self->send_exit(st.tools, caf::exit_reason::user_shutdown);
  // The children report down when their sessions are stopped; do not wait forever.
  self->delayed_send(self, std::chrono::seconds(20), atoms::deadline_v);
}

// The drain timed out with the call still live: whatever the agent was saying is cut, the
// caller hears the drain message, then the call is hung up or released (its sessions stopped,
// the call left up for the next parley). If the message is never confirmed heard, the timer
// does the same once it must have been.
void wrap_up(supervisor_ptr self) {
  auto& st = self->state;
  if (st.now == phase::ending || std::exchange(st.wrapping_up, true)) return;
  const auto& agent = st.rt->agent;
  bool talking = st.now == phase::speaking;
  ++st.barge_generation;  // an interrupted reply is not resumed
  st.unheard.clear();
  close_tools(self, "the call is ending");
  cancel_brain(self);
  spdlog::info("call {}: drain timeout: saying goodbye, then {}", st.call_id,
               agent.drain_release ? "releasing the call" : "hanging up");
  speak(self, agent.drain_message);
  if (st.now == phase::listening)  // nothing to say
    return agent.drain_release ? end_call(self) : hang_up(self);
  if (talking && st.speaking)
    self->send<caf::message_priority::high>(st.speaking, atoms::flush_v, st.epoch, int64_t{0});
  if (agent.drain_release)
    st.reply.release_after = true;
  else
    st.reply.hangup_after = true;
  // The /say may wait for the rate limit: allow for that besides the playout.
  auto bound = 2 * playout_time(agent.drain_message) + std::chrono::seconds(5);
  if (agent.drain_release)
    self->delayed_send(self, bound, atoms::hangup_v);
  else
    self->delayed_send(self, bound, atoms::hangup_call_v);
}

// Cluster mode's drain: another node adopts the call (docs/scaling.md). What the agent was
// saying is cut and the sessions stop at once; the caller hears a pause, not a goodbye.
void hand_off(supervisor_ptr self) {
  auto& st = self->state;
  if (st.now == phase::ending) return;
  ++st.barge_generation;
  st.unheard.clear();
  close_tools(self, "the call is handed to another node");
  cancel_brain(self);
  spdlog::info("call {}: handed to another node", st.call_id);
  st.end_reason = "handed to another node";
  end_call(self);
}

// Cluster mode: another node claimed the call while this one was cut off from Redis. It ends
// here without a word and without touching the sessions the other node now uses.
void forget(supervisor_ptr self) {
  auto& st = self->state;
  if (st.now == phase::ending) return;
  spdlog::warn("call {}: another node serves it now; leaving it", st.call_id);
  tell(st, {plugin::call_event_kind::ended, "left to another node", {}, {}, false, st.epoch, 0});
  st.now = phase::ending;
  ++st.silence_generation;
  close_tools(self, "the call is served by another node");
  cancel_brain(self);
  if (st.transcribe) self->send(st.transcribe, atoms::forget_v);
  if (st.speaking) self->send(st.speaking, atoms::forget_v);
  if (st.brain) self->send_exit(st.brain, caf::exit_reason::user_shutdown);
  if (st.tools) self->send_exit(st.tools, caf::exit_reason::user_shutdown);
  self->delayed_send(self, std::chrono::seconds(20), atoms::deadline_v);
}

void greet(supervisor_ptr self) {
  auto& st = self->state;
  if (std::exchange(st.greeted, true) || st.now == phase::ending || st.wrapping_up) return;
  speak(self, st.rt->agent.greeting);
  if (!st.rt->agent.greeting.empty()) {
    st.history.push_back({"assistant", st.rt->agent.greeting, false});
    st.reply.history_index = st.history.size() - 1;
  }
}

void on_voice(supervisor_ptr self, voice_event& v) {
  auto& st = self->state;
  if (st.now == phase::ending) return;
  if (st.restoring) {
    st.held_voice.push_back(std::move(v));
    return;
  }
  // A final already in the restored history: GET /transcripts can answer before its event
  // arrives, and it must not be answered twice.
  if (!v.transcript_id.empty() && st.restored_ids.count(v.transcript_id)) return;
  auto kind = static_cast<turn::signal>(v.kind);
  if (st.rt->cluster && !v.agent && kind == turn::signal::final_transcript && !v.transcript_id.empty())
    st.finals.push_back(v.transcript_id);
  if (v.agent) return on_agent_voice(self, kind, v.text, v.received_ns);
  on_caller_voice(self, kind, v.text, v.received_ns);
}

// What the call said before, for an adopted call: its checkpoint (cluster mode) and what
// VoIPBIN transcribed after it, or, without one, all VoIPBIN transcribed.
chat_history earlier_history(supervisor_state& st) {
  if (!st.saved) return voipbin::history_from_transcripts(std::move(st.restored));
  std::unordered_set<std::string> known(st.saved->finals.begin(), st.saved->finals.end());
  std::vector<voipbin::transcript> later;
  for (auto& t : st.restored)
    if (t.direction == "in" && !known.count(t.id)) later.push_back(std::move(t));
  auto earlier = std::move(st.saved->history);
  for (auto& m : voipbin::history_from_transcripts(std::move(later))) earlier.push_back(std::move(m));
  for (auto& id : st.saved->finals) st.restored_ids.insert(id);
  st.finals = std::move(st.saved->finals);
  return earlier;
}

// Cluster mode: after a turn, what another node needs to go on with the call.
void save_checkpoint(supervisor_ptr self) {
  auto& st = self->state;
  if (!st.rt->cluster || st.restoring) return;
  st.rt->cluster->checkpoint(st.call_id, to_json(call_checkpoint{st.history, st.finals}));
}

// The history is back: go on where the call stopped, then hear what came meanwhile.
void finish_restore(supervisor_ptr self, bool complete) {
  auto& st = self->state;
  st.transcripts_read = complete;
  if (st.awaiting_checkpoint) return;  // both are needed
  st.restoring = false;
  complete = complete || st.saved.has_value();
  if (st.saved) spdlog::info("call {}: its checkpoint has {} messages", st.call_id, st.saved->history.size());
  auto earlier = earlier_history(st);
  st.restored.clear();
  st.saved.reset();
  if (st.now == phase::ending) return;  // it hung up meanwhile
  spdlog::info("call {}: adopted with {} earlier messages{}", st.call_id, earlier.size(),
               complete ? "" : " (the transcripts could not all be read)");
  bool spoken = !earlier.empty();
  for (auto& m : earlier) st.history.push_back(std::move(m));
  if (st.wrapping_up) return;  // the drain's goodbye is under way: nothing more is said
  if (!spoken && complete) {
    st.greeted = false;  // nothing had been said yet: the call starts now
    if (st.listening)
      greet(self);
    else  // a new session (the old one had ended): greet once it listens, as for a new call
      self->delayed_send(self, greeting_wait, atoms::greet_v);
  } else if (spoken && st.history.back().role == "user") {
    // The caller spoke last and was never answered (the earlier process died first).
    st.user_index = st.history.size() - 1;
    start_reply(self);
    think(self, now_ns());
  } else {
    st.now = phase::listening;
    arm_silence_timer(self);
  }
  // What came meanwhile; finals already in the history are skipped by on_voice (their ids stay
  // in restored_ids for the rest of the call).
  auto held = std::exchange(st.held_voice, {});
  for (auto& v : held) on_voice(self, v);
}

void on_transcripts(supervisor_ptr self, const http_reply& r) {
  auto& st = self->state;
  if (!st.restoring) return;
  auto page = r.ok() ? voipbin::parse_transcript_page(r.body)
                     : result<voipbin::page<voipbin::transcript>>(fail(r.error));
  if (!page) {
    spdlog::warn("call {}: transcripts of {} unavailable: {} {}", st.call_id, st.restore_from, r.status,
                 page.error().message);
    return finish_restore(self, false);
  }
  bool fresh = false;
  for (auto& t : page->items)
    if (t.transcribe_id == st.restore_from && st.restored_ids.insert(t.id).second) {
      st.restored.push_back(std::move(t));
      fresh = true;
    }
  // Every page. GET /transcripts of the 2026-08 snapshot ignores page_token and answers the
  // first page again (voipbin-api.md §3): a page with nothing new ends the listing.
  if (fresh && !page->next_page_token.empty())
    return send_rest(*st.rt, self->address(), transcripts_tag,
                     voipbin::list_transcripts(st.restore_from, page->next_page_token));
  finish_restore(self, true);
}

bool children_gone(const supervisor_state& st) {
  return !st.transcribe && !st.speaking && !st.brain && !st.tools;
}

call_supervisor_actor::behavior_type call_supervisor(supervisor_ptr self, std::shared_ptr<const runtime> rt,
                                                     std::string call_id, profiles::call_facts facts,
                                                     caf::actor_addr gateway, std::string adopt_transcribe_id,
                                                     bool live) {
  auto& st = self->state;
  st.rt = std::move(rt);
  st.call_id = std::move(call_id);
  st.source = std::move(facts.source);
  st.destination = std::move(facts.destination);
  st.outbound = facts.outbound;
  st.gateway = std::move(gateway);
  if (!st.rt->agent.system_prompt.empty())
    st.history.push_back({"system", st.rt->agent.system_prompt, false});
  // A released call's transcription has ended: a new one starts, the old one is only read.
  st.transcribe = spawn_transcribe(self, st.rt, st.call_id, live ? adopt_transcribe_id : std::string{});
  // An adopted call's live speaking session is found and reused by the speaking actor (a new
  // one is refused while it lives, voipbin-api.md §4.1).
  st.speaking = spawn_speaking(self, st.rt, st.call_id);
  st.brain = spawn_brain(self, {st.rt, self->address(), st.call_id, st.source, st.destination});
  if (!st.rt->agent.http_tools.empty()) st.tools = spawn_tool_runner(self, st.rt, st.call_id);
  st.observers = spawn_observers(
      self, *st.rt, {st.call_id, st.rt->profile, st.source, st.destination, st.rt->agent.language});
  if (auto* journal = st.rt->journal) {
    journal->begin({st.call_id, st.rt->profile, st.source, st.destination, st.rt->agent.language},
                   st.outbound ? "outbound" : "inbound", unix_ms_now());
    // However the supervisor ends, the call leaves the live list (a no-op after `ended`).
    self->attach_functor([journal, id = st.call_id](const caf::error&) {
      journal->event(id,
                     {plugin::call_event_kind::ended, "supervisor exited", {}, {}, false, 0, unix_ms_now()});
    });
  }
  tell(
      st,
      {plugin::call_event_kind::answered, adopt_transcribe_id.empty() ? "" : "adopted", {}, {}, false, 0, 0});
  if (!adopt_transcribe_id.empty()) {
    spdlog::info("call {}: adopting it; rebuilding the conversation from transcribe {}{}", st.call_id,
                 adopt_transcribe_id, live ? "" : " (ended; a new one starts)");
    st.restoring = true;
    st.greeted = true;  // unless the transcripts show that nothing was said yet
    st.restore_from = std::move(adopt_transcribe_id);
    send_rest(*st.rt, self->address(), transcripts_tag, voipbin::list_transcripts(st.restore_from));
    if (st.rt->cluster) {  // the conversation as its last node saved it
      st.awaiting_checkpoint = true;
      load_checkpoint(*st.rt, self->address(), st.call_id);
    }
  } else {
    spdlog::info("call {}: answering", st.call_id);
    // The greeting waits until transcription listens, so the caller can interrupt it and its
    // playout is heard back; if transcription never comes, it goes anyway.
    self->delayed_send(self, greeting_wait, atoms::greet_v);
  }

  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    bool ending = st.now == phase::ending;
    auto why = caf::to_string(dm.reason);
    if (dm.source == st.transcribe) {
      st.transcribe = nullptr;
      if (!ending && dm.reason != caf::exit_reason::normal) {
        spdlog::warn("call {}: transcribe actor exited ({}), restarting it", st.call_id, why);
        st.transcribe = spawn_transcribe(self, st.rt, st.call_id);
      }
    } else if (dm.source == st.speaking) {
      st.speaking = nullptr;
      if (!ending && dm.reason != caf::exit_reason::normal) {
        spdlog::warn("call {}: speaking actor exited ({}), restarting it", st.call_id, why);
        st.speaking = spawn_speaking(self, st.rt, st.call_id);
        // What it had queued is gone: the caller has heard what they will of this reply.
        st.reply.resolved_seq = st.reply.last_seq;
        check_played(self);
      }
    } else if (dm.source == st.brain) {
      st.brain = nullptr;
      if (!ending) {
        spdlog::warn("call {}: brain exited ({}), restarting it", st.call_id, why);
        st.brain = spawn_brain(self, {st.rt, self->address(), st.call_id, st.source, st.destination});
        if (st.reply.generating) speak(self, st.rt->agent.error_prompt);
      }
    } else if (dm.source == st.tools) {
      st.tools = nullptr;
      if (!ending) {
        spdlog::warn("call {}: tool runner exited ({}), restarting it", st.call_id, why);
        st.tools = spawn_tool_runner(self, st.rt, st.call_id);
        auto& r = st.reply;
        if (!r.tool_running.id.empty()) {
          count_tool(st, r.tool_running.name, "error");
          add_tool_result(self, std::exchange(r.tool_running, {}), "error: the tool failed inside parley",
                          true);
          run_tools(self);
        }
      }
    }
    if (st.ended && children_gone(st)) self->quit();
  });

  return {
      [=](atoms::voice, voice_event& v) { on_voice(self, v); },
      [=](atoms::llm_written, uint64_t epoch, int64_t at_ns) {
        auto& st = self->state;
        // The first request of the turn (a turn with tools makes more).
        if (epoch != st.epoch || st.stamps.event == clock_type::time_point{} ||
            st.stamps.llm_written != clock_type::time_point{})
          return;
        st.stamps.llm_written = from_ns(at_ns);
        auto took = seconds_between(st.stamps.event, st.stamps.llm_written);
        st.rt->stats->turn_event_to_llm_seconds.observe(took);
        stage_reached(st, "llm_request", took);
      },
      [=](atoms::first_token, uint64_t epoch) {
        auto& st = self->state;
        if (epoch != st.epoch || st.stamps.event == clock_type::time_point{} ||
            st.stamps.first_token != clock_type::time_point{})
          return;
        st.stamps.first_token = clock_type::now();
        // From the request written, or from the event for brains that send no request.
        auto from =
            st.stamps.llm_written != clock_type::time_point{} ? st.stamps.llm_written : st.stamps.event;
        st.rt->stats->turn_first_token_seconds.observe(seconds_between(from, st.stamps.first_token));
        stage_reached(st, "first_token", seconds_between(st.stamps.event, st.stamps.first_token));
      },
      [=](atoms::sentence, uint64_t epoch, std::string& text) {
        auto& st = self->state;
        if (epoch != st.epoch || st.now == phase::ending) return;
        auto& r = st.reply;
        if (!r.generated.empty()) r.generated += ' ';
        r.generated += text;
        if (r.holding) {
          r.held.push_back(std::move(text));
          return;
        }
        st.now = phase::speaking;
        hand_to_speaking(self, text);
      },
      [=](atoms::say_sent, uint64_t epoch) {
        auto& st = self->state;
        if (epoch != st.epoch || st.stamps.event == clock_type::time_point{} ||
            st.stamps.first_say_sent != clock_type::time_point{})
          return;
        st.stamps.first_say_sent = clock_type::now();
        auto took = seconds_between(st.stamps.event, st.stamps.first_say_sent);
        st.rt->stats->turn_transcript_to_say_seconds.observe(took);
        stage_reached(st, "first_say", took);
        if (st.stamps.first_token != clock_type::time_point{})
          st.rt->stats->turn_token_to_say_seconds.observe(
              seconds_between(st.stamps.first_token, st.stamps.first_say_sent));
      },
      [=](atoms::said, uint64_t epoch, uint64_t seq, const std::string& text, bool accepted) {
        auto& st = self->state;
        if (epoch != st.epoch) return;
        auto& r = st.reply;
        auto now = clock_type::now();
        if (accepted) {
          tell(st, {plugin::call_event_kind::agent_said, text, {}, {}, false, epoch, 0});
          r.playout.said(text, now);
          if (st.stamps.event != clock_type::time_point{} &&
              st.stamps.first_say_answered == clock_type::time_point{}) {
            st.stamps.first_say_answered = now;
            st.rt->stats->turn_say_answered_seconds.observe(seconds_between(st.stamps.event, now));
            stage_reached(st, "say_answered", seconds_between(st.stamps.event, now));
          }
          // A timer only when the voice has not already told that everything was heard.
          if (!r.playout.played(now)) {
            auto wait = std::max(clock_type::duration::zero(), r.playout.deadline() - now);
            self->delayed_send(
                self,
                std::chrono::duration_cast<std::chrono::milliseconds>(wait) + std::chrono::milliseconds(1),
                atoms::play_check_v, epoch);
          }
        }
        r.resolved_seq = std::max(r.resolved_seq, seq);
        check_played(self);
      },
      [=](atoms::play_check, uint64_t epoch) {
        if (epoch == self->state.epoch) check_played(self);
      },
      [=](atoms::reply, uint64_t epoch, std::string& text) {
        auto& st = self->state;
        if (epoch != st.epoch || st.now == phase::ending) return;
        spdlog::info("call {}: agent: {}", st.call_id, text);
        auto& r = st.reply;
        if (!text.empty()) {
          st.history.push_back({"assistant", std::move(text), false});
          r.history_index = st.history.size() - 1;
        }
        finish_reply(self);
      },
      [=](atoms::tool_calls, uint64_t epoch, std::string& text, std::vector<tool_call>& calls) {
        auto& st = self->state;
        if (epoch != st.epoch || st.now == phase::ending) return;
        on_tool_calls(self, std::move(text), std::move(calls));
      },
      [=](atoms::tool_result, uint64_t epoch, const std::string& id, std::string& content, bool error) {
        auto& st = self->state;
        auto& r = st.reply;
        // A cancelled tool's result is never given to the model nor spoken.
        if (epoch != st.epoch || st.now == phase::ending || id.empty() || id != r.tool_running.id) return;
        count_tool(st, r.tool_running.name, error ? "error" : "ok");
        add_tool_result(self, std::exchange(r.tool_running, {}), std::move(content), error);
        run_tools(self);
      },
      [=](atoms::transfer, uint64_t epoch) {
        // The transfer message was never confirmed heard: transfer once it must have been.
        auto& st = self->state;
        if (epoch == st.epoch && st.reply.transfer_after) start_transfer(self);
      },
      [=](atoms::reply_error, uint64_t epoch, const std::string& why) {
        auto& st = self->state;
        if (epoch != st.epoch || st.now == phase::ending) return;
        spdlog::warn("call {}: LLM failed: {}", st.call_id, why);
        st.rt->stats->llm_errors_total.inc();
        st.reply.generating = false;
        speak(self, st.rt->agent.error_prompt);
      },
      [=](atoms::hold_over, uint64_t epoch, uint64_t generation) {
        auto& st = self->state;
        if (epoch != st.epoch || generation != st.hold_generation || !st.reply.holding) return;
        spdlog::debug("call {}: the caller did not go on; the held answer goes ahead", st.call_id);
        release_held(self);
      },
      [=](atoms::resume, uint64_t generation) {
        auto& st = self->state;
        if (generation != st.barge_generation || st.words_since_barge_in || st.now != phase::listening ||
            st.unheard.empty())
          return;
        resume(self);
      },
      [=](atoms::silence, uint64_t generation) {
        auto& st = self->state;
        if (generation != st.silence_generation || st.now != phase::listening || st.wrapping_up ||
            st.transferring)
          return;
        const auto& agent = st.rt->agent;
        if (agent.silence_max_prompts > 0 && st.unanswered_prompts >= agent.silence_max_prompts) {
          spdlog::info("call {}: no answer to {} prompts, hanging up", st.call_id, st.unanswered_prompts);
          speak(self, agent.goodbye);
          st.reply.hangup_after = true;
          if (st.now == phase::listening) return hang_up(self);  // no goodbye to wait for
          // If its playout is never confirmed, hang up anyway once it must have been heard.
          self->delayed_send(self, 2 * playout_time(agent.goodbye), atoms::hangup_call_v);
          return;
        }
        ++st.unanswered_prompts;
        spdlog::info("call {}: caller silent for {} ms", st.call_id, agent.silence_timeout.count());
        speak(self, agent.silence_prompt);
      },
      [=](atoms::ready, const std::string& kind, const std::string& id) {
        auto& st = self->state;
        if (kind != "transcribe") return;
        st.listening = true;
        if (auto g = caf::actor_cast<gateway_actor>(st.gateway))
          self->send(g, atoms::route_v, id, st.call_id);
        greet(self);
      },
      [=](atoms::greet) { greet(self); },
      [=](atoms::transcribe_done) {
        auto& st = self->state;
        if (st.now == phase::ending || !st.transcribe) return;
        // VoIPBIN ended transcription while the call lives: start a new session.
        spdlog::warn("call {}: transcribe ended early, starting a new one", st.call_id);
        self->send_exit(st.transcribe, caf::exit_reason::user_shutdown);
      },
      [=](atoms::hangup_call) {
        // A timer of the wrap-up or the goodbye; after a forced stop the call is left up.
        if (self->state.ended) return;
        hang_up(self);
      },
      [=](atoms::hangup_call, const std::string& by) {
        auto& st = self->state;
        if (st.ended || st.hangup_sent) return;
        spdlog::info("call {}: hung up by {}", st.call_id, by);
        st.hung_up_by = by;
        hang_up(self);
      },
      [=](atoms::wrap_up) { wrap_up(self); },
      [=](atoms::hand_off) { hand_off(self); },
      [=](atoms::forget) { forget(self); },
      [=](atoms::checkpoint, const std::string& json) {
        auto& st = self->state;
        if (!st.awaiting_checkpoint) return;
        st.awaiting_checkpoint = false;
        if (!json.empty()) {
          auto c = parse_call_checkpoint(json);
          if (c)
            st.saved = std::move(*c);
          else
            spdlog::warn("call {}: its checkpoint is unreadable ({}); rebuilding from the transcripts",
                         st.call_id, c.error().message);
        }
        if (st.transcripts_read) finish_restore(self, *st.transcripts_read);
      },
      [=](atoms::rest, uint64_t tag, const http_reply& r) {
        if (tag == transcripts_tag) return on_transcripts(self, r);
        if (tag == transfer_tag) return on_transfer(self, r);
        if (!r.ok())
          spdlog::warn("call {}: hangup failed: {} {}", self->state.call_id, r.status,
                       r.error.empty() ? r.body : r.error);
      },
      [=](atoms::hangup) { end_call(self); },
      [=](atoms::deadline) {
        spdlog::warn("call {}: children did not stop in time", self->state.call_id);
        self->quit();
      },
  };
}

}  // namespace

call_supervisor_actor spawn_call_supervisor(caf::local_actor* gateway, std::shared_ptr<const runtime> rt,
                                            std::string call_id, profiles::call_facts facts,
                                            std::string adopt_transcribe_id, bool live) {
  return gateway->spawn<caf::monitored>(call_supervisor, std::move(rt), std::move(call_id), std::move(facts),
                                        gateway->address(), std::move(adopt_transcribe_id), live);
}

}  // namespace parley
