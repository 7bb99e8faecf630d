// Owns the call's VoIPBIN speaking session (streaming TTS): creates it at once, sends the
// agent's sentences with /say one at a time and in order, flushes on barge-in, and always
// stops it at the end, because VoIPBIN does not stop it on hangup (voipbin-api.md §7.1).
//
// Recovery (voipbin-api.md §4.1, §7.1):
// - /say answers 404: the session was stopped behind parley's back. Create a new one and
//   say the text there.
// - POST /speakings answers 500: usually one is already live for the call (an earlier process
//   left it, DESIGN §8). Find it in GET /speakings, page by page, and reuse it; if it is still
//   `initiating`, poll it until `active` (bounded), else stop it and create a new one.
// - The actor ends without having stopped its session (the supervisor died, was killed, or
//   an exception escaped): the session is stopped on the way out.

#include <spdlog/spdlog.h>
#include <caf/all.hpp>
#include <deque>
#include <mutex>
#include <optional>
#include <unordered_set>

#include "actors/atoms.hpp"
#include "actors/children.hpp"
#include "actors/messages.hpp"
#include "actors/rest_bridge.hpp"
#include "protocol/metrics.hpp"
#include "protocol/voipbin_requests.hpp"
#include "protocol/voipbin_resources.hpp"

namespace parley {

namespace {

enum tag : uint64_t {
  create_tag = 1,
  say_tag,
  flush_tag,
  stop_tag,
  list_tag,
  poll_tag,
  stop_stale_tag,
  stop_for_restart_tag
};

constexpr int max_create_attempts = 3;
constexpr std::size_t say_limit = 5000;         // bytes of one /say (voipbin-api.md §4.1)
constexpr int max_polls = 15;                   // of an `initiating` session, 200 ms apart
constexpr int max_recreations_without_say = 3;  // 404s in a row before text is given up

// The session that must be stopped when the actor ends. Shared with the exit hook, which
// runs after the state is gone, and with the io thread, which records a created session
// before the actor reads the answer: an actor that ends in between still stops it.
class live_session {
 public:
  explicit live_session(std::shared_ptr<const runtime> rt, std::string call_id)
      : rt_(std::move(rt)), call_id_(std::move(call_id)) {}

  void set(const std::string& id) {
    std::lock_guard lock{mutex_};
    if (gone_ && !id.empty() && id != id_) return stop(id, "its actor had ended");
    id_ = id;
    stopped_ = false;
  }
  void clear() { set({}); }
  void mark_stopped() {
    std::lock_guard lock{mutex_};
    stopped_ = true;
  }
  // The actor ended: a session it did not stop is stopped now.
  void abandon(const caf::error& reason) {
    std::lock_guard lock{mutex_};
    gone_ = true;
    if (!id_.empty() && !stopped_) stop(id_, "its actor ended (" + caf::to_string(reason) + ")");
  }

 private:
  void stop(const std::string& id, const std::string& why) {
    spdlog::warn("call {}: stopping speaking {}: {}", call_id_, id, why);
    stopped_ = true;
    // Nobody waits for the answer: the request goes out even though the actor is gone.
    send_rest(*rt_, caf::actor_addr{}, 0, voipbin::stop_speaking(id));
  }

  std::shared_ptr<const runtime> rt_;
  std::string call_id_;
  std::mutex mutex_;
  std::string id_;
  bool stopped_ = false;
  bool gone_ = false;
};

struct utterance {
  uint64_t epoch;
  uint64_t seq;  // the supervisor's number of the text; 0 for all but the last piece of a split one
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
  bool saturated = false;              // the last /say waited for the rate limit: merge what queues up
  bool creating = false;
  bool flush_in_flight = false;
  bool restarting = false;  // barge-in-action restart: the old session is being stopped
  bool stopping = false;
  int create_attempts = 0;
  int polls = 0;
  int recreations = 0;
  std::string polling_id;
  std::unordered_set<std::string> listed;  // speakings seen while looking for the call's live one
  std::shared_ptr<live_session> live;
};

using speaking_actor_ptr = speaking_actor::stateful_pointer<speaking_state>;

void create(speaking_actor_ptr self) {
  auto& st = self->state;
  st.creating = true;
  ++st.create_attempts;
  send_rest(*st.rt, self->address(), create_tag,
            voipbin::create_speaking(st.call_id, st.rt->agent.language, st.rt->agent.voice_id,
                                     st.rt->agent.tts_provider),
            [live = st.live](const http_reply& r) {
              if (!r.ok()) return;
              if (auto s = voipbin::parse_speaking(r.body)) live->set(s->id);
            });
}

void pump(speaking_actor_ptr self) {
  auto& st = self->state;
  if (st.id.empty() || st.stopping || st.restarting || st.in_flight || st.flush_in_flight || st.queue.empty())
    return;
  st.in_flight = std::move(st.queue.front());
  st.queue.pop_front();
  // While VoIPBIN's rate limit holds requests back, send what has queued up as one /say
  // (within its 5000-byte limit) instead of one request per sentence (DESIGN §5).
  while (st.saturated && !st.queue.empty() && st.queue.front().epoch == st.in_flight->epoch &&
         st.in_flight->text.size() + 1 + st.queue.front().text.size() <= say_limit) {
    st.in_flight->text += ' ' + st.queue.front().text;
    st.in_flight->seq = std::max(st.in_flight->seq, st.queue.front().seq);
    st.queue.pop_front();
  }
  send_rest(*st.rt, self->address(), say_tag, voipbin::say(st.id, st.in_flight->text));
  if (st.in_flight->epoch > st.reported_epoch) {
    st.reported_epoch = st.in_flight->epoch;
    if (auto p = caf::actor_cast<child_listener_actor>(st.parent))
      self->send(p, atoms::say_sent_v, st.in_flight->epoch);
  }
}

// Tells the supervisor what became of a text: VoIPBIN accepted it (the caller will hear it) or
// it is given up. The supervisor's playout tracking counts only accepted text.
void report(speaking_actor_ptr self, const utterance& u, bool accepted) {
  if (auto p = caf::actor_cast<child_listener_actor>(self->state.parent))
    self->send(p, atoms::said_v, u.epoch, u.seq, u.text, accepted);
}

void give_up_queue(speaking_actor_ptr self) {
  auto& st = self->state;
  for (const auto& u : st.queue) report(self, u, false);
  st.queue.clear();
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
  st.live->set(id);
  st.creating = false;
  st.create_attempts = 0;
  if (st.stopping) return stop_session(self);
  spdlog::debug("call {}: speaking {} {}", st.call_id, st.id, how);
  if (auto p = caf::actor_cast<child_listener_actor>(st.parent))
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
    give_up_queue(self);
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
    st.listed.clear();
    send_rest(*st.rt, self->address(), list_tag, voipbin::list_speakings());
    return;
  }
  if (r.status == 0 || r.status == 429) return retry_create_later(self);
  st.creating = false;
  if (st.stopping) finish_stop(self);
}

void on_list(speaking_actor_ptr self, const http_reply& r) {
  auto& st = self->state;
  auto page =
      r.ok() ? voipbin::parse_speaking_page(r.body) : result<voipbin::page<voipbin::speaking>>(fail(""));
  if (page) {
    bool fresh = false;
    for (const auto& s : page->items) {  // newest first
      if (!st.listed.insert(s.id).second) continue;
      fresh = true;
      if (s.reference_id != st.call_id) continue;
      if (s.status == "active") {
        st.listed.clear();
        return adopt(self, s.id, "reused (it was live already)");
      }
      if (s.status == "initiating") {
        st.listed.clear();
        st.polling_id = s.id;
        st.polls = 0;
        self->delayed_send(self, std::chrono::milliseconds(200), atoms::poll_v);
        return;
      }
    }
    // The list has no filter (§4.1): the call's session may be on a later page. A page with
    // nothing new ends the search (a server ignoring page_token repeats the first, §3).
    if (fresh && !page->next_page_token.empty()) {
      send_rest(*st.rt, self->address(), list_tag, voipbin::list_speakings(page->next_page_token));
      return;
    }
  }
  st.listed.clear();
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
    report(self, said, true);
  } else if (r.error.rfind("cancelled", 0) == 0) {
    report(self, said, false);  // dropped unsent by a flush: it was stale
  } else if (r.status == 404 && !st.stopping && said.epoch < st.min_epoch) {
    report(self, said, false);  // flushed meanwhile: not worth a new session
  } else if (r.status == 404 && !st.stopping && (st.restarting || st.id.empty())) {
    st.queue.push_front(std::move(said));  // a new session is on its way
    return;
  } else if (r.status == 404 && !st.stopping) {
    // Stopped behind our back (§7.1): say it again on a new session.
    st.queue.push_front(std::move(said));
    if (++st.recreations > max_recreations_without_say) {
      spdlog::error("call {}: speaking keeps disappearing; {} texts dropped", st.call_id, st.queue.size());
      give_up_queue(self);
      st.recreations = 0;
    }
    spdlog::warn("call {}: speaking {} is gone (404 on /say); creating a new one", st.call_id, st.id);
    st.id.clear();
    st.live->clear();
    st.create_attempts = 0;
    if (!st.queue.empty()) create(self);
    return;
  } else {
    spdlog::warn("call {}: say failed: {} {}", st.call_id, r.status, r.error.empty() ? r.body : r.error);
    report(self, said, false);
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

speaking_actor::behavior_type speaking_behavior(speaking_actor_ptr self, std::shared_ptr<const runtime> rt,
                                                std::string call_id, caf::actor_addr parent) {
  auto& st = self->state;
  st.rt = std::move(rt);
  st.call_id = std::move(call_id);
  st.parent = std::move(parent);
  st.live = std::make_shared<live_session>(st.rt, st.call_id);
  // However this actor ends, a session it did not stop is stopped now.
  self->attach_functor([live = st.live](const caf::error& reason) { live->abandon(reason); });
  create(self);
  return {
      [=](atoms::say, uint64_t epoch, uint64_t seq, std::string& text) {
        auto& st = self->state;
        if (st.stopping || epoch < st.min_epoch || text.empty()) return;
        auto pieces = voipbin::split_say_text(text, say_limit);
        for (std::size_t i = 0; i < pieces.size(); ++i)
          st.queue.push_back({epoch, i + 1 == pieces.size() ? seq : 0, std::move(pieces[i])});
        if (st.id.empty() && !st.creating && st.polling_id.empty()) create(self);
        pump(self);
      },
      // Barge-in (DESIGN §4): text of older epochs is dropped here, and the scheduler drops what
      // of it waits there; then /flush (or, with barge-in-action restart, stop and a new session).
      [=](atoms::flush, uint64_t epoch, int64_t heard_at_ns) {
        auto& st = self->state;
        st.min_epoch = std::max(st.min_epoch, epoch);
        std::erase_if(st.queue, [&](const utterance& u) { return u.epoch < st.min_epoch; });
        if (st.id.empty() || st.stopping || st.flush_in_flight || st.restarting) return;
        if (heard_at_ns != 0) {
          auto heard_at =
              std::chrono::steady_clock::time_point(std::chrono::steady_clock::duration(heard_at_ns));
          st.rt->stats->bargein_reaction_seconds.observe(
              std::chrono::duration<double>(std::chrono::steady_clock::now() - heard_at).count());
        }
        if (st.rt->agent.barge_in_restart) {
          st.restarting = true;
          send_rest(*st.rt, self->address(), stop_for_restart_tag, voipbin::stop_speaking(st.id));
          return;
        }
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
          case stop_for_restart_tag:
            // VoIPBIN allows one live speaking per call: the new one only once the old is stopped.
            st.restarting = false;
            if (!r.ok() && r.status != 404) {
              // The old session still plays: a new one would be refused while it lives, and it
              // would leak. Keep it and fall back to /flush.
              spdlog::warn("call {}: speaking stop for a restart failed ({} {}); flushing instead",
                           st.call_id, r.status, r.error);
              if (st.stopping) return stop_session(self);
              st.flush_in_flight = true;
              send_rest(*st.rt, self->address(), flush_tag, voipbin::flush_speaking(st.id));
              return;
            }
            st.live->clear();
            st.id.clear();
            if (st.stopping) return finish_stop(self);
            st.create_attempts = 0;
            return create(self);
          case stop_tag:
            if (r.ok() || r.status == 404)
              st.live->mark_stopped();
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
      [=](atoms::forget) {
        self->state.live->mark_stopped();  // the exit hook must not stop it: it is another node's
        self->quit();
      },
      [=](atoms::deadline) {
        spdlog::warn("call {}: speaking stop not confirmed in time", self->state.call_id);
        finish_stop(self);
      },
  };
}

}  // namespace

speaking_actor spawn_speaking(caf::local_actor* parent, std::shared_ptr<const runtime> rt,
                              std::string call_id) {
  return parent->spawn<caf::monitored>(speaking_behavior, std::move(rt), std::move(call_id),
                                       parent->address());
}

}  // namespace parley
