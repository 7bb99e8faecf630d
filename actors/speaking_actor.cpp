// Owns the call's VoIPBIN speaking session (streaming TTS): creates it at once, sends the
// agent's sentences with /say one at a time and in order, flushes on barge-in, and always
// stops it at the end, because VoIPBIN does not stop it on hangup (voipbin-api.md §7.1).
//
// Recovery (voipbin-api.md §4.1, §7.1):
// - /say answers 404: the session was stopped behind parley's back. Create a new one and
//   say the text there.
// - POST /speakings answers 500: usually one is already live for the call. Find it in
//   GET /speakings and reuse it; if it is still `initiating`, poll it until `active` (bounded),
//   else stop it and create a new one.
// - The actor ends without having stopped its session (the supervisor died, was killed, or
//   an exception escaped): the session is stopped on the way out.

#include <spdlog/spdlog.h>
#include <caf/all.hpp>
#include <deque>
#include <optional>

#include "actors/atoms.hpp"
#include "actors/children.hpp"
#include "actors/messages.hpp"
#include "actors/rest_bridge.hpp"
#include "protocol/voipbin_requests.hpp"
#include "protocol/voipbin_resources.hpp"

namespace parley {

namespace {

enum tag : uint64_t { create_tag = 1, say_tag, flush_tag, stop_tag, list_tag, poll_tag, stop_stale_tag };

constexpr int max_create_attempts = 3;
constexpr std::size_t say_limit = 5000;  // bytes of one /say (voipbin-api.md §4.1)
constexpr int max_polls = 15;                   // of an `initiating` session, 200 ms apart
constexpr int max_recreations_without_say = 3;  // 404s in a row before text is given up

// The session that must be stopped when the actor ends. Shared with the exit hook, which
// runs after the state is gone.
struct live_session {
  std::string id;
  bool stopped = false;
};

struct utterance {
  uint64_t epoch;
  std::string text;
};

struct speaking_state {
  static inline const char* name = "speaking";
  std::shared_ptr<const runtime> rt;
  std::string call_id;
  caf::actor_addr parent;
  std::string id;  // empty while there is no usable session
  std::deque<utterance> queue;
  std::optional<utterance> in_flight;  // the /say waiting for its answer
  uint64_t min_epoch = 0;              // text of older epochs was flushed
  uint64_t reported_epoch = 0;         // the last epoch whose first /say was reported
  bool saturated = false;  // the last /say waited for the rate limit: merge what queues up
  bool creating = false;
  bool flush_in_flight = false;
  bool stopping = false;
  int create_attempts = 0;
  int polls = 0;
  int recreations = 0;
  std::string polling_id;
  std::shared_ptr<live_session> live = std::make_shared<live_session>();
};

using speaking_actor_ptr = caf::stateful_actor<speaking_state>*;

void create(speaking_actor_ptr self) {
  auto& st = self->state;
  st.creating = true;
  ++st.create_attempts;
  send_rest(*st.rt, self->address(), create_tag,
            voipbin::create_speaking(st.call_id, st.rt->agent.language, st.rt->agent.voice_id));
}

void pump(speaking_actor_ptr self) {
  auto& st = self->state;
  if (st.id.empty() || st.stopping || st.in_flight || st.flush_in_flight || st.queue.empty()) return;
  st.in_flight = std::move(st.queue.front());
  st.queue.pop_front();
  // While VoIPBIN's rate limit holds requests back, send what has queued up as one /say
  // (within its 5000-byte limit) instead of one request per sentence (DESIGN §5).
  while (st.saturated && !st.queue.empty() && st.queue.front().epoch == st.in_flight->epoch &&
         st.in_flight->text.size() + 1 + st.queue.front().text.size() <= say_limit) {
    st.in_flight->text += ' ' + st.queue.front().text;
    st.queue.pop_front();
  }
  send_rest(*st.rt, self->address(), say_tag, voipbin::say(st.id, st.in_flight->text));
  if (st.in_flight->epoch > st.reported_epoch) {
    st.reported_epoch = st.in_flight->epoch;
    if (auto p = caf::actor_cast<caf::actor>(st.parent))
      self->send(p, atoms::say_sent_v, st.in_flight->epoch);
  }
}

void stop_session(speaking_actor_ptr self) {
  auto& st = self->state;
  send_rest(*st.rt, self->address(), stop_tag, voipbin::stop_speaking(st.id));
  self->delayed_send(self, std::chrono::seconds(15), atoms::deadline_v);
}

void finish_stop(speaking_actor_ptr self) {
  self->quit();
}

// A session is usable: send what waits.
void adopt(speaking_actor_ptr self, const std::string& id, const char* how) {
  auto& st = self->state;
  st.id = id;
  st.live->id = id;
  st.creating = false;
  st.create_attempts = 0;
  if (st.stopping) return stop_session(self);
  spdlog::debug("call {}: speaking {} {}", st.call_id, st.id, how);
  if (auto p = caf::actor_cast<caf::actor>(st.parent))
    self->send(p, atoms::ready_v, std::string("speaking"), st.id);
  pump(self);
}

void retry_create_later(speaking_actor_ptr self) {
  auto& st = self->state;
  st.creating = false;
  if (st.stopping) return finish_stop(self);
  if (st.create_attempts >= max_create_attempts) {
    spdlog::error("call {}: no speaking session after {} attempts; {} texts dropped", st.call_id,
                  st.create_attempts, st.queue.size());
    st.queue.clear();
    st.create_attempts = 0;
    return;
  }
  self->delayed_send(self, std::chrono::seconds(1), atoms::retry_v);
}

void on_create(speaking_actor_ptr self, const http_reply& r) {
  auto& st = self->state;
  if (r.ok()) {
    if (auto s = voipbin::parse_speaking(r.body)) return adopt(self, s->id, "created");
    spdlog::warn("call {}: speaking create answered an unreadable body", st.call_id);
    return retry_create_later(self);
  }
  spdlog::warn("call {}: speaking create failed: {} {}", st.call_id, r.status,
               r.error.empty() ? r.body : r.error);
  if (r.status >= 500) {
    // Most likely a live session exists already for this call: look for it.
    send_rest(*st.rt, self->address(), list_tag, voipbin::list_speakings());
    return;
  }
  if (r.status == 0 || r.status == 429) return retry_create_later(self);
  st.creating = false;
  if (st.stopping) finish_stop(self);
}

void on_list(speaking_actor_ptr self, const http_reply& r) {
  auto& st = self->state;
  auto list =
      r.ok() ? voipbin::parse_speaking_list(r.body) : result<std::vector<voipbin::speaking>>(fail(""));
  if (list) {
    for (const auto& s : *list) {  // newest first
      if (s.reference_id != st.call_id) continue;
      if (s.status == "active") return adopt(self, s.id, "reused (it was live already)");
      if (s.status == "initiating") {
        st.polling_id = s.id;
        st.polls = 0;
        self->delayed_send(self, std::chrono::milliseconds(200), atoms::poll_v);
        return;
      }
    }
  }
  retry_create_later(self);
}

void on_poll(speaking_actor_ptr self, const http_reply& r) {
  auto& st = self->state;
  auto s = r.ok() ? voipbin::parse_speaking(r.body) : result<voipbin::speaking>(fail(""));
  if (s && s->status == "active") return adopt(self, s->id, "reused once active");
  if (s && s->status == "initiating" && ++st.polls < max_polls) {
    self->delayed_send(self, std::chrono::milliseconds(200), atoms::poll_v);
    return;
  }
  // Stuck or gone: stop it (so it cannot block a new one) and create a new session.
  spdlog::warn("call {}: speaking {} never became active; creating a new one", st.call_id, st.polling_id);
  send_rest(*st.rt, self->address(), stop_stale_tag, voipbin::stop_speaking(st.polling_id));
  st.polling_id.clear();
}

void on_say(speaking_actor_ptr self, const http_reply& r) {
  auto& st = self->state;
  auto said = std::move(*st.in_flight);
  st.in_flight.reset();
  st.saturated = r.rate_limited;
  if (r.ok()) {
    st.recreations = 0;
  } else if (r.status == 404 && !st.stopping) {
    // Stopped behind our back (§7.1): say it again on a new session, unless flushed meanwhile.
    if (said.epoch >= st.min_epoch) st.queue.push_front(std::move(said));
    if (++st.recreations > max_recreations_without_say) {
      spdlog::error("call {}: speaking keeps disappearing; {} texts dropped", st.call_id, st.queue.size());
      st.queue.clear();
      st.recreations = 0;
    }
    spdlog::warn("call {}: speaking {} is gone (404 on /say); creating a new one", st.call_id, st.id);
    st.id.clear();
    st.live->id.clear();
    st.create_attempts = 0;
    if (!st.queue.empty()) create(self);
    return;
  } else {
    spdlog::warn("call {}: say failed: {} {}", st.call_id, r.status, r.error.empty() ? r.body : r.error);
  }
  if (st.stopping && !st.flush_in_flight) return stop_session(self);
  pump(self);
}

void begin_stop(speaking_actor_ptr self) {
  auto& st = self->state;
  if (st.stopping) return;
  st.stopping = true;
  st.queue.clear();
  if (st.id.empty()) {
    if (!st.creating && st.polling_id.empty()) return finish_stop(self);
    // A create in flight is stopped when its answer arrives.
    self->delayed_send(self, std::chrono::seconds(15), atoms::deadline_v);
    return;
  }
  if (!st.in_flight && !st.flush_in_flight) stop_session(self);
}

caf::behavior speaking_actor(speaking_actor_ptr self, std::shared_ptr<const runtime> rt, std::string call_id,
                             caf::actor_addr parent) {
  auto& st = self->state;
  st.rt = std::move(rt);
  st.call_id = std::move(call_id);
  st.parent = std::move(parent);
  // However this actor ends, a session it did not stop is stopped now. Nobody waits for the
  // answer: the request goes out even though the actor is gone.
  self->attach_functor([rt = st.rt, live = st.live, call = st.call_id](const caf::error& reason) {
    if (live->id.empty() || live->stopped) return;
    spdlog::warn("call {}: speaking actor ended ({}) with session {} live; stopping it", call,
                 caf::to_string(reason), live->id);
    send_rest(*rt, caf::actor_addr{}, 0, voipbin::stop_speaking(live->id));
  });
  create(self);
  return {
      [=](atoms::say, uint64_t epoch, std::string& text) {
        auto& st = self->state;
        if (st.stopping || epoch < st.min_epoch || text.empty()) return;
        for (auto& piece : voipbin::split_say_text(text, say_limit)) st.queue.push_back({epoch, std::move(piece)});
        if (st.id.empty() && !st.creating && st.polling_id.empty()) create(self);
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
          case create_tag:
            return on_create(self, r);
          case list_tag:
            return on_list(self, r);
          case poll_tag:
            return on_poll(self, r);
          case stop_stale_tag:
            if (st.stopping) return finish_stop(self);
            st.create_attempts = 0;
            return create(self);
          case say_tag:
            return on_say(self, r);
          case flush_tag:
            st.flush_in_flight = false;
            if (!r.ok()) spdlog::warn("call {}: flush failed: {} {}", st.call_id, r.status, r.error);
            if (st.stopping && !st.in_flight) return stop_session(self);
            return pump(self);
          case stop_tag:
            if (r.ok() || r.status == 404)
              st.live->stopped = true;
            else
              spdlog::warn("call {}: speaking stop failed: {} {}", st.call_id, r.status, r.error);
            return finish_stop(self);
        }
      },
      [=](atoms::retry) {
        auto& st = self->state;
        if (!st.stopping && st.id.empty() && !st.creating) create(self);
      },
      [=](atoms::poll) {
        auto& st = self->state;
        if (st.polling_id.empty()) return;
        if (st.stopping) {
          st.id = std::exchange(st.polling_id, {});
          return stop_session(self);
        }
        send_rest(*st.rt, self->address(), poll_tag, voipbin::get_speaking(st.polling_id));
      },
      [=](atoms::stop) { begin_stop(self); },
      [=](atoms::deadline) {
        spdlog::warn("call {}: speaking stop not confirmed in time", self->state.call_id);
        finish_stop(self);
      },
  };
}

}  // namespace

caf::actor spawn_speaking(caf::event_based_actor* parent, std::shared_ptr<const runtime> rt,
                          std::string call_id) {
  return parent->spawn<caf::monitored>(speaking_actor, std::move(rt), std::move(call_id), parent->address());
}

}  // namespace parley
