#include "actors/call_supervisor.hpp"

#include <spdlog/spdlog.h>
#include <caf/all.hpp>
#include <chrono>

#include "actors/atoms.hpp"
#include "actors/brain.hpp"
#include "actors/children.hpp"
#include "actors/messages.hpp"
#include "actors/rest_bridge.hpp"
#include "protocol/voipbin_requests.hpp"
#include "protocol/metrics.hpp"

namespace parley {

namespace {

using clock_type = std::chrono::steady_clock;

enum class phase { listening, thinking, speaking, ending };

struct supervisor_state {
  static inline const char* name = "call-supervisor";
  std::shared_ptr<const runtime> rt;
  std::string call_id;
  caf::actor_addr gateway;
  caf::actor transcribe;
  caf::actor speaking;
  caf::actor brain;
  phase now = phase::listening;
  uint64_t epoch = 0;
  chat_history history;
  std::string spoken;  // sentences of the current reply handed to speaking
  uint64_t silence_generation = 0;
  int unanswered_prompts = 0;
  // Per-turn stamps for the latency histograms.
  clock_type::time_point t_transcript{};
  clock_type::time_point t_first_token{};
  bool first_say_seen = false;
  int turns = 0;
  bool ended = false;  // sessions are being stopped
};

constexpr uint64_t hangup_tag = 1;

// Roughly how long VoIPBIN needs to speak `text` (about 14 characters a second), so a
// goodbye is heard before the hangup.
std::chrono::milliseconds playout_time(const std::string& text) {
  return std::chrono::milliseconds(std::min<std::size_t>(10000, 500 + text.size() * 70));
}

using supervisor_ptr = caf::stateful_actor<supervisor_state>*;

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

void say(supervisor_ptr self, const std::string& text) {
  auto& st = self->state;
  if (text.empty() || !st.speaking) return;
  self->send(st.speaking, atoms::say_v, st.epoch, text);
}

void arm_silence_timer(supervisor_ptr self) {
  auto& st = self->state;
  ++st.silence_generation;
  if (st.rt->agent.silence_timeout.count() > 0)
    self->delayed_send(self, st.rt->agent.silence_timeout, atoms::silence_v, st.silence_generation);
}

// The caller spoke while the agent was still answering: drop the rest of the answer.
void barge_in(supervisor_ptr self) {
  auto& st = self->state;
  ++st.epoch;
  self->send<caf::message_priority::high>(st.brain, atoms::cancel_v, st.epoch - 1);
  self->send<caf::message_priority::high>(st.speaking, atoms::flush_v, st.epoch);
  if (!st.spoken.empty()) st.history.push_back({"assistant", st.spoken, true});
  st.spoken.clear();
  st.rt->stats->bargeins_total.inc();
  spdlog::info("call {}: caller interrupted the agent", st.call_id);
}

void end_call(supervisor_ptr self) {
  auto& st = self->state;
  if (st.ended) return;
  st.ended = true;
  st.now = phase::ending;
  ++st.silence_generation;
  spdlog::info("call {}: ended after {} turns", st.call_id, st.turns);
  if (st.brain) self->send<caf::message_priority::high>(st.brain, atoms::cancel_v, st.epoch);
  if (st.transcribe) self->send(st.transcribe, atoms::stop_v);
  if (st.speaking) self->send(st.speaking, atoms::stop_v);
  if (st.brain) self->send_exit(st.brain, caf::exit_reason::user_shutdown);
  // The children report down when their sessions are stopped; do not wait forever.
  self->delayed_send(self, std::chrono::seconds(20), atoms::deadline_v);
}

bool children_gone(const supervisor_state& st) {
  return !st.transcribe && !st.speaking && !st.brain;
}

caf::behavior call_supervisor(supervisor_ptr self, std::shared_ptr<const runtime> rt, std::string call_id,
                              caf::actor_addr gateway) {
  auto& st = self->state;
  st.rt = std::move(rt);
  st.call_id = std::move(call_id);
  st.gateway = std::move(gateway);
  if (!st.rt->agent.system_prompt.empty())
    st.history.push_back({"system", st.rt->agent.system_prompt, false});
  st.transcribe = spawn_transcribe(self, st.rt, st.call_id);
  st.speaking = spawn_speaking(self, st.rt, st.call_id);
  st.brain = brain_registry::global().spawn(self, st.rt->llm.provider, {st.rt, self->address()});
  spdlog::info("call {}: answering", st.call_id);
  if (!st.rt->agent.greeting.empty()) {
    say(self, st.rt->agent.greeting);
    st.history.push_back({"assistant", st.rt->agent.greeting, false});
  }
  arm_silence_timer(self);

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
      }
    } else if (dm.source == st.brain) {
      st.brain = nullptr;
      if (!ending) {
        spdlog::warn("call {}: brain exited ({}), restarting it", st.call_id, why);
        st.brain = brain_registry::global().spawn(self, st.rt->llm.provider, {st.rt, self->address()});
        if (st.now == phase::thinking || st.now == phase::speaking) {
          st.now = phase::listening;
          say(self, st.rt->agent.error_prompt);
          arm_silence_timer(self);
        }
      }
    }
    if (st.ended && children_gone(st)) self->quit();
  });

  return {
      [=](atoms::transcript, std::string& text) {
        auto& st = self->state;
        if (st.now == phase::ending || text.empty()) return;
        if (st.now == phase::thinking || st.now == phase::speaking) barge_in(self);
        spdlog::info("call {}: caller: {}", st.call_id, text);
        st.unanswered_prompts = 0;
        st.history.push_back({"user", std::move(text), false});
        ++st.epoch;
        st.now = phase::thinking;
        st.spoken.clear();
        st.first_say_seen = false;
        st.t_transcript = clock_type::now();
        ++st.silence_generation;  // no silence prompt while the agent answers
        self->send(st.brain, atoms::think_v, st.epoch, st.history);
        st.rt->stats->turn_event_to_llm_seconds.observe(seconds_since(st.t_transcript));
      },
      [=](atoms::first_token, uint64_t epoch) {
        auto& st = self->state;
        if (epoch != st.epoch) return;
        st.t_first_token = clock_type::now();
        st.rt->stats->turn_first_token_seconds.observe(
            std::chrono::duration<double>(st.t_first_token - st.t_transcript).count());
      },
      [=](atoms::sentence, uint64_t epoch, std::string& text) {
        auto& st = self->state;
        if (epoch != st.epoch || st.now == phase::ending) return;
        st.now = phase::speaking;
        if (!st.spoken.empty()) st.spoken += ' ';
        st.spoken += text;
        say(self, text);
      },
      [=](atoms::say_sent, uint64_t epoch) {
        auto& st = self->state;
        if (epoch != st.epoch || st.first_say_seen || epoch == 0) return;
        st.first_say_seen = true;
        st.rt->stats->turn_transcript_to_say_seconds.observe(seconds_since(st.t_transcript));
        if (st.t_first_token != clock_type::time_point{})
          st.rt->stats->turn_token_to_say_seconds.observe(seconds_since(st.t_first_token));
      },
      [=](atoms::reply, uint64_t epoch, std::string& text) {
        auto& st = self->state;
        if (epoch != st.epoch || st.now == phase::ending) return;
        spdlog::info("call {}: agent: {}", st.call_id, text);
        st.history.push_back({"assistant", std::move(text), false});
        st.spoken.clear();
        st.now = phase::listening;
        ++st.turns;
        st.rt->stats->turns_total.inc();
        arm_silence_timer(self);
      },
      [=](atoms::reply_error, uint64_t epoch, const std::string& why) {
        auto& st = self->state;
        if (epoch != st.epoch || st.now == phase::ending) return;
        spdlog::warn("call {}: LLM failed: {}", st.call_id, why);
        st.rt->stats->llm_errors_total.inc();
        say(self, st.rt->agent.error_prompt);
        st.spoken.clear();
        st.now = phase::listening;
        arm_silence_timer(self);
      },
      [=](atoms::silence, uint64_t generation) {
        auto& st = self->state;
        if (generation != st.silence_generation || st.now != phase::listening) return;
        const auto& agent = st.rt->agent;
        if (agent.silence_max_prompts > 0 && st.unanswered_prompts >= agent.silence_max_prompts) {
          spdlog::info("call {}: no answer to {} prompts, hanging up", st.call_id, st.unanswered_prompts);
          say(self, agent.goodbye);
          st.now = phase::ending;  // hear nothing more; the hangup event ends the call
          ++st.silence_generation;
          self->delayed_send(self, playout_time(agent.goodbye), atoms::hangup_call_v);
          return;
        }
        ++st.unanswered_prompts;
        spdlog::info("call {}: caller silent for {} ms", st.call_id, agent.silence_timeout.count());
        say(self, agent.silence_prompt);
        arm_silence_timer(self);
      },
      [=](atoms::ready, const std::string& kind, const std::string& id) {
        auto& st = self->state;
        if (kind == "transcribe")
          if (auto g = caf::actor_cast<caf::actor>(st.gateway)) self->send(g, atoms::route_v, id, st.call_id);
      },
      [=](atoms::transcribe_done) {
        auto& st = self->state;
        if (st.now == phase::ending || !st.transcribe) return;
        // VoIPBIN ended transcription while the call lives: start a new session.
        spdlog::warn("call {}: transcribe ended early, starting a new one", st.call_id);
        self->send_exit(st.transcribe, caf::exit_reason::user_shutdown);
      },
      [=](atoms::hangup_call) {
        auto& st = self->state;
        send_rest(*st.rt, self->address(), hangup_tag, voipbin::hangup_call(st.call_id));
        // VoIPBIN's call_hangup event ends the call; end it anyway if that never comes.
        self->delayed_send(self, std::chrono::seconds(10), atoms::hangup_v);
      },
      [=](atoms::rest, uint64_t, const http_reply& r) {
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

caf::actor spawn_call_supervisor(caf::event_based_actor* gateway, std::shared_ptr<const runtime> rt,
                                 std::string call_id) {
  return gateway->spawn<caf::monitored>(call_supervisor, std::move(rt), std::move(call_id),
                                        gateway->address());
}

}  // namespace parley
