// Owns the call's VoIPBIN speaking session (streaming TTS): creates it at once, sends the
// agent's sentences with /say one at a time and in order, flushes on barge-in, and always
// stops it at the end, because VoIPBIN does not stop it on hangup (voipbin-api.md §7.1).

#include <spdlog/spdlog.h>
#include <caf/all.hpp>
#include <deque>

#include "actors/atoms.hpp"
#include "actors/children.hpp"
#include "actors/messages.hpp"
#include "actors/rest_bridge.hpp"
#include "protocol/voipbin_resources.hpp"

namespace parley {

namespace {

enum tag : uint64_t { create_tag = 1, say_tag, flush_tag, stop_tag };

struct utterance {
  uint64_t epoch;
  std::string text;
};

struct speaking_state {
  static inline const char* name = "speaking";
  std::shared_ptr<const runtime> rt;
  std::string call_id;
  caf::actor_addr parent;
  std::string id;
  std::deque<utterance> queue;
  uint64_t min_epoch = 0;       // text of older epochs was flushed
  uint64_t reported_epoch = 0;  // the last epoch whose first /say was reported
  bool say_in_flight = false;
  bool flush_in_flight = false;
  bool stopping = false;
};

using speaking_actor_ptr = caf::stateful_actor<speaking_state>*;

void pump(speaking_actor_ptr self) {
  auto& st = self->state;
  if (st.id.empty() || st.stopping || st.say_in_flight || st.flush_in_flight || st.queue.empty()) return;
  auto u = std::move(st.queue.front());
  st.queue.pop_front();
  st.say_in_flight = true;
  send_rest(*st.rt, self->address(), say_tag, voipbin::say(st.id, u.text));
  if (u.epoch > st.reported_epoch || st.reported_epoch == 0) {
    st.reported_epoch = u.epoch;
    if (auto p = caf::actor_cast<caf::actor>(st.parent)) self->send(p, atoms::say_sent_v, u.epoch);
  }
}

void stop_session(speaking_actor_ptr self) {
  auto& st = self->state;
  send_rest(*st.rt, self->address(), stop_tag, voipbin::stop_speaking(st.id));
  self->delayed_send(self, std::chrono::seconds(15), atoms::deadline_v);
}

caf::behavior speaking_actor(speaking_actor_ptr self, std::shared_ptr<const runtime> rt, std::string call_id,
                             caf::actor_addr parent) {
  auto& st = self->state;
  st.rt = std::move(rt);
  st.call_id = std::move(call_id);
  st.parent = std::move(parent);
  send_rest(*st.rt, self->address(), create_tag,
            voipbin::create_speaking(st.call_id, st.rt->agent.language, st.rt->agent.voice_id));
  return {
      [=](atoms::say, uint64_t epoch, std::string& text) {
        auto& st = self->state;
        if (st.stopping || epoch < st.min_epoch || text.empty()) return;
        st.queue.push_back({epoch, std::move(text)});
        pump(self);
      },
      [=](atoms::flush, uint64_t epoch) {
        auto& st = self->state;
        st.min_epoch = std::max(st.min_epoch, epoch);
        std::erase_if(st.queue, [&](const utterance& u) { return u.epoch < st.min_epoch; });
        if (st.id.empty() || st.stopping || st.flush_in_flight) return;
        st.flush_in_flight = true;
        send_rest(*st.rt, self->address(), flush_tag, voipbin::flush_speaking(st.id));
      },
      [=](atoms::rest, uint64_t tag, http_reply& r) {
        auto& st = self->state;
        switch (tag) {
          case create_tag: {
            auto s = r.ok() ? voipbin::parse_speaking(r.body) : result<voipbin::speaking>(fail(""));
            if (!s) {
              spdlog::warn("call {}: speaking create failed: {} {}", st.call_id, r.status,
                           r.error.empty() ? r.body : r.error);
              if (st.stopping) self->quit();
              return;
            }
            st.id = s->id;
            if (st.stopping) return stop_session(self);
            spdlog::debug("call {}: speaking {} is {}", st.call_id, st.id, s->status);
            if (auto p = caf::actor_cast<caf::actor>(st.parent))
              self->send(p, atoms::ready_v, std::string("speaking"), st.id);
            pump(self);
            return;
          }
          case say_tag:
            st.say_in_flight = false;
            if (!r.ok())
              spdlog::warn("call {}: say failed: {} {}", st.call_id, r.status,
                           r.error.empty() ? r.body : r.error);
            if (st.stopping && !st.flush_in_flight) return stop_session(self);
            pump(self);
            return;
          case flush_tag:
            st.flush_in_flight = false;
            if (!r.ok()) spdlog::warn("call {}: flush failed: {} {}", st.call_id, r.status, r.error);
            if (st.stopping && !st.say_in_flight) return stop_session(self);
            pump(self);
            return;
          case stop_tag:
            if (!r.ok()) spdlog::warn("call {}: speaking stop failed: {} {}", st.call_id, r.status, r.error);
            self->quit();
            return;
        }
      },
      [=](atoms::stop) {
        auto& st = self->state;
        if (st.stopping) return;
        st.stopping = true;
        st.queue.clear();
        if (st.id.empty()) {
          // A create still in flight is stopped when its answer arrives.
          self->delayed_send(self, std::chrono::seconds(15), atoms::deadline_v);
          return;
        }
        if (!st.say_in_flight && !st.flush_in_flight) stop_session(self);
      },
      [=](atoms::deadline) {
        spdlog::warn("call {}: speaking stop not confirmed in time", self->state.call_id);
        self->quit();
      },
  };
}

}  // namespace

caf::actor spawn_speaking(caf::event_based_actor* parent, std::shared_ptr<const runtime> rt,
                          std::string call_id) {
  return parent->spawn<caf::monitored>(speaking_actor, std::move(rt), std::move(call_id), parent->address());
}

}  // namespace parley
