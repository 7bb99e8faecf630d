// The fallback brain stands between the call supervisor and two brains: the primary
// (llm.provider) and the fallback (llm.fallback.*). Each turn goes to the primary. If it fails
// before its first text, or sends none within llm.first-token-timeout, the same messages go to
// the fallback and the caller hears its answer instead of the error prompt. The next turn tries
// the primary again. A failure after the first text is the supervisor's, as without a fallback.
// Both brains are the registered behaviours, each given a runtime with its own provider config,
// so this works for any provider.

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

#include "actors/atoms.hpp"
#include "actors/brain.hpp"
#include "actors/messages.hpp"
#include "protocol/metrics.hpp"

namespace parley {

namespace {

enum class source { none, primary, fallback };

// A brain to the supervisor, and the supervisor to its two brains.
using fallback_actor = plugin::brain_actor::extend_with<plugin::brain_listener_actor>::extend<
    // (epoch): the primary's first text is late (its own timer)
    caf::reacts_to<atoms::first_token_late, uint64_t>>;

struct fallback_state {
  plugin::brain_actor primary;
  plugin::brain_actor fallback;
  source active = source::none;  // whose reply the supervisor gets; none when no turn runs
  uint64_t epoch = 0;
  bool got_token = false;  // the active brain sent text for this epoch
  bool written = false;    // llm_written was passed on for this epoch
  chat_history history;    // of the turn, for the fallback
};

fallback_actor::behavior_type fallback_brain(fallback_actor::pointer self, brain_context ctx) {
  auto st = std::make_shared<fallback_state>();
  auto rt = ctx.rt;
  auto parent = ctx.parent;
  auto& registry = brain_registry::global();
  st->primary = caf::actor_cast<plugin::brain_actor>(registry.spawn(
      self, rt->llm.provider, {rt, self->address(), ctx.call_id, ctx.source, ctx.destination}));
  auto fallback_rt = std::make_shared<const runtime>(with_model(*rt, rt->llm.fallback));
  st->fallback = caf::actor_cast<plugin::brain_actor>(
      registry.spawn(self, fallback_rt->llm.provider,
                     {fallback_rt, self->address(), ctx.call_id, ctx.source, ctx.destination}));
  // A brain that dies takes this one with it: the supervisor restarts it (and its turn fails).
  self->link_to(st->primary);
  self->link_to(st->fallback);
  self->set_down_handler([](caf::down_msg&) {});

  auto to_parent = [=](auto... xs) {
    if (auto p = caf::actor_cast<plugin::brain_listener_actor>(parent)) self->send(p, std::move(xs)...);
  };
  // True when the message being handled is the active brain's, about the current turn.
  auto current = [=](uint64_t epoch) {
    if (epoch != st->epoch || st->active == source::none) return false;
    auto& from = st->active == source::primary ? st->primary : st->fallback;
    return caf::actor_cast<caf::actor_addr>(self->current_sender()) == from.address();
  };
  auto switch_over = [=](const char* reason, const std::string& why) {
    spdlog::warn("LLM fallback ({}): {}", reason, why);
    rt->stats->llm_fallbacks_total.inc(std::string("reason=\"") + reason + "\"");
    st->active = source::fallback;
    self->send(st->fallback, atoms::think_v, st->epoch, st->history);
  };

  return {
      [=](atoms::think, uint64_t epoch, const chat_history& history) {
        if (st->active == source::fallback)
          self->send<caf::message_priority::high>(st->fallback, atoms::cancel_v, st->epoch);
        st->epoch = epoch;
        st->active = source::primary;
        st->got_token = false;
        st->written = false;
        st->history = history;
        self->send(st->primary, atoms::think_v, epoch, history);
        self->delayed_send(self, rt->llm.first_token_timeout, atoms::first_token_late_v, epoch);
      },
      [=](atoms::cancel, uint64_t epoch) {
        if (st->active == source::none || epoch < st->epoch) return;
        auto& brain = st->active == source::primary ? st->primary : st->fallback;
        self->send<caf::message_priority::high>(brain, atoms::cancel_v, epoch);
        st->active = source::none;
      },
      [=](atoms::first_token_late, uint64_t epoch) {
        if (epoch != st->epoch || st->active != source::primary || st->got_token) return;
        self->send<caf::message_priority::high>(st->primary, atoms::cancel_v, epoch);
        switch_over("first_token_timeout", "no text from the primary model within " +
                                               std::to_string(rt->llm.first_token_timeout.count()) + " ms");
      },
      [=](atoms::llm_written, uint64_t epoch, int64_t at_ns) {
        // Sent without a sender (from the io thread): the first of the turn is its start.
        if (epoch != st->epoch || st->written) return;
        st->written = true;
        to_parent(atoms::llm_written_v, epoch, at_ns);
      },
      [=](atoms::first_token, uint64_t epoch) {
        if (!current(epoch)) return;
        st->got_token = true;
        to_parent(atoms::first_token_v, epoch);
      },
      [=](atoms::sentence, uint64_t epoch, std::string text) {
        if (current(epoch)) to_parent(atoms::sentence_v, epoch, std::move(text));
      },
      [=](atoms::reply, uint64_t epoch, std::string text) {
        if (!current(epoch)) return;
        st->active = source::none;
        to_parent(atoms::reply_v, epoch, std::move(text));
      },
      [=](atoms::tool_calls, uint64_t epoch, std::string text, std::vector<tool_call> calls) {
        if (!current(epoch)) return;
        st->active = source::none;
        to_parent(atoms::tool_calls_v, epoch, std::move(text), std::move(calls));
      },
      [=](atoms::reply_error, uint64_t epoch, std::string why) {
        if (!current(epoch)) return;
        if (st->active == source::primary && !st->got_token) return switch_over("error", why);
        st->active = source::none;
        to_parent(atoms::reply_error_v, epoch, std::move(why));
      },
  };
}

}  // namespace

plugin::brain_actor spawn_brain(caf::local_actor* parent, brain_context ctx) {
  if (ctx.rt->llm.fallback.provider.empty()) {
    auto provider = ctx.rt->llm.provider;  // not read from ctx while it is moved
    return caf::actor_cast<plugin::brain_actor>(
        brain_registry::global().spawn(parent, provider, std::move(ctx)));
  }
  return parent->spawn<caf::monitored>(fallback_brain, std::move(ctx));
}

}  // namespace parley
