// Owns the call's VoIPBIN transcribe session: creates it when the call starts and stops it
// when the call ends (voipbin-api.md §4.2, §7.2).

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

#include "actors/atoms.hpp"
#include "actors/children.hpp"
#include "actors/messages.hpp"
#include "actors/rest_bridge.hpp"
#include "protocol/voipbin_resources.hpp"

namespace parley {

namespace {

enum tag : uint64_t { create_tag = 1, stop_tag = 2 };
constexpr int max_create_attempts = 3;

struct transcribe_state {
  static inline const char* name = "transcribe";
  std::shared_ptr<const runtime> rt;
  std::string call_id;
  caf::actor_addr parent;
  std::string id;
  int attempts = 0;
  bool stopping = false;
};

caf::behavior transcribe_actor(caf::stateful_actor<transcribe_state>* self, std::shared_ptr<const runtime> rt,
                               std::string call_id, caf::actor_addr parent) {
  auto& st = self->state;
  st.rt = std::move(rt);
  st.call_id = std::move(call_id);
  st.parent = std::move(parent);
  auto create = [self] {
    auto& st = self->state;
    ++st.attempts;
    send_rest(*st.rt, self->address(), create_tag,
              voipbin::create_transcribe(st.call_id, st.rt->agent.language));
  };
  create();
  return {
      [=](atoms::rest, uint64_t tag, http_reply& r) {
        auto& st = self->state;
        if (tag == create_tag) {
          if (st.stopping) return;
          if (r.ok()) {
            auto t = voipbin::parse_transcribe(r.body);
            if (t) {
              st.id = t->id;
              spdlog::debug("call {}: transcribe {} started", st.call_id, st.id);
              if (auto p = caf::actor_cast<caf::actor>(st.parent))
                self->send(p, atoms::ready_v, std::string("transcribe"), st.id);
              return;
            }
            spdlog::warn("call {}: transcribe create answered an unreadable body: {}", st.call_id,
                         t.error().message);
          } else {
            spdlog::warn("call {}: transcribe create failed: {} {}", st.call_id, r.status,
                         r.error.empty() ? r.body : r.error);
          }
          bool retryable = r.status == 0 || r.status >= 500 || r.status == 429;
          if (retryable && st.attempts < max_create_attempts)
            self->delayed_send(self, std::chrono::seconds(1), atoms::retry_v);
          return;
        }
        if (tag == stop_tag) {
          if (!r.ok()) spdlog::warn("call {}: transcribe stop failed: {} {}", st.call_id, r.status, r.error);
          self->quit();
        }
      },
      [=](atoms::retry) {
        if (!self->state.stopping && self->state.id.empty()) create();
      },
      [=](atoms::stop) {
        auto& st = self->state;
        if (st.stopping) return;
        st.stopping = true;
        if (st.id.empty()) return self->quit();
        send_rest(*st.rt, self->address(), stop_tag, voipbin::stop_transcribe(st.id));
        // Do not hold the call up if VoIPBIN does not answer.
        self->delayed_send(self, std::chrono::seconds(15), atoms::deadline_v);
      },
      [=](atoms::deadline) { self->quit(); },
  };
}

}  // namespace

caf::actor spawn_transcribe(caf::event_based_actor* parent, std::shared_ptr<const runtime> rt,
                            std::string call_id) {
  return parent->spawn<caf::monitored>(transcribe_actor, std::move(rt), std::move(call_id),
                                       parent->address());
}

}  // namespace parley
