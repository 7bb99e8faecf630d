// Owns the call's VoIPBIN transcribe session: creates it when the call starts (or takes over
// the one an earlier process left running) and stops it when the call ends (voipbin-api.md
// §4.2, §7.2).

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

#include "actors/atoms.hpp"
#include "actors/children.hpp"
#include "actors/messages.hpp"
#include "actors/rest_bridge.hpp"
#include "protocol/voipbin_resources.hpp"

namespace parley {

namespace {

enum tag : uint64_t { create_tag = 1, stop_tag = 2, list_tag = 3 };
constexpr int max_create_attempts = 3;

struct transcribe_state {
  static inline const char* name = "transcribe";
  std::shared_ptr<const runtime> rt;
  std::string call_id;
  caf::actor_addr parent;
  std::string id;
  int attempts = 0;
  bool creating = false;
  bool stopping = false;
};

using transcribe_actor_ptr = transcribe_actor::stateful_pointer<transcribe_state>;

void stop_session(transcribe_actor_ptr self) {
  auto& st = self->state;
  send_rest(*st.rt, self->address(), stop_tag, voipbin::stop_transcribe(st.id));
  // Do not hold the call up if VoIPBIN does not answer.
  self->delayed_send(self, std::chrono::seconds(15), atoms::deadline_v);
}

void adopt(transcribe_actor_ptr self, const std::string& id, const char* how) {
  auto& st = self->state;
  st.id = id;
  if (st.stopping) return stop_session(self);
  spdlog::debug("call {}: transcribe {} {}", st.call_id, st.id, how);
  if (auto p = caf::actor_cast<child_listener_actor>(st.parent))
    self->send(p, atoms::ready_v, std::string("transcribe"), st.id);
}

transcribe_actor::behavior_type transcribe_behavior(transcribe_actor_ptr self,
                                                    std::shared_ptr<const runtime> rt, std::string call_id,
                                                    caf::actor_addr parent, std::string existing_id) {
  auto& st = self->state;
  st.rt = std::move(rt);
  st.call_id = std::move(call_id);
  st.parent = std::move(parent);
  auto create = [self] {
    auto& st = self->state;
    ++st.attempts;
    st.creating = true;
    send_rest(*st.rt, self->address(), create_tag,
              voipbin::create_transcribe(st.call_id, st.rt->agent.language));
  };
  if (existing_id.empty())
    create();
  else
    adopt(self, existing_id, "taken over from an earlier process");
  return {
      [=](atoms::rest, uint64_t tag, http_reply& r) {
        auto& st = self->state;
        switch (tag) {
          case create_tag:
            st.creating = false;
            if (r.ok()) {
              if (auto t = voipbin::parse_transcribe(r.body)) return adopt(self, t->id, "started");
              spdlog::warn("call {}: transcribe create answered an unreadable body", st.call_id);
            } else if (r.status == 409) {
              // Already progressing for this call and language (§4.2): adopt that session.
              send_rest(*st.rt, self->address(), list_tag, voipbin::list_transcribes_of(st.call_id));
              return;
            } else {
              spdlog::warn("call {}: transcribe create failed: {} {}", st.call_id, r.status,
                           r.error.empty() ? r.body : r.error);
            }
            if (st.stopping) return self->quit();
            if ((r.status == 0 || r.status >= 500 || r.status == 429) && st.attempts < max_create_attempts)
              self->delayed_send(self, std::chrono::seconds(1), atoms::retry_v);
            return;
          case list_tag:
            if (auto list = r.ok() ? voipbin::parse_transcribe_page(r.body)
                                   : result<voipbin::page<voipbin::transcribe>>(fail(""))) {
              for (const auto& t : list->items)
                if (t.reference_id == st.call_id && t.status == "progressing" &&
                    t.language == st.rt->agent.language)
                  return adopt(self, t.id, "adopted (it was progressing already)");
            }
            spdlog::warn("call {}: transcribe said to exist but not found", st.call_id);
            if (st.stopping) return self->quit();
            if (st.attempts < max_create_attempts)
              self->delayed_send(self, std::chrono::seconds(1), atoms::retry_v);
            return;
          case stop_tag:
            if (!r.ok())
              spdlog::warn("call {}: transcribe stop failed: {} {}", st.call_id, r.status, r.error);
            return self->quit();
        }
      },
      [=](atoms::retry) {
        if (!self->state.stopping && self->state.id.empty()) create();
      },
      [=](atoms::stop) {
        auto& st = self->state;
        if (st.stopping) return;
        st.stopping = true;
        if (!st.id.empty()) return stop_session(self);
        if (!st.creating) return self->quit();
        // The session being created is stopped when its answer arrives.
        self->delayed_send(self, std::chrono::seconds(15), atoms::deadline_v);
      },
      [=](atoms::forget) { self->quit(); },
      [=](atoms::deadline) { self->quit(); },
  };
}

}  // namespace

transcribe_actor spawn_transcribe(caf::local_actor* parent, std::shared_ptr<const runtime> rt,
                                  std::string call_id, std::string existing_id) {
  return parent->spawn<caf::monitored>(transcribe_behavior, std::move(rt), std::move(call_id),
                                       parent->address(), std::move(existing_id));
}

}  // namespace parley
