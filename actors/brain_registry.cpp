#include <caf/all.hpp>

#include "actors/atoms.hpp"
#include "actors/brain.hpp"
#include "actors/messages.hpp"

namespace parley {

void brain_output::first_token(uint64_t epoch) {
  if (auto p = caf::actor_cast<caf::actor>(parent_)) self_->send(p, atoms::first_token_v, epoch);
}
void brain_output::sentence(uint64_t epoch, std::string text) {
  if (auto p = caf::actor_cast<caf::actor>(parent_))
    self_->send(p, atoms::sentence_v, epoch, std::move(text));
}
void brain_output::done(uint64_t epoch, std::string full_text) {
  if (auto p = caf::actor_cast<caf::actor>(parent_))
    self_->send(p, atoms::reply_v, epoch, std::move(full_text));
}
void brain_output::tool_calls(uint64_t epoch, std::string text, std::vector<tool_call> calls) {
  if (auto p = caf::actor_cast<caf::actor>(parent_))
    self_->send(p, atoms::tool_calls_v, epoch, std::move(text), std::move(calls));
}
void brain_output::error(uint64_t epoch, std::string why) {
  if (auto p = caf::actor_cast<caf::actor>(parent_))
    self_->send(p, atoms::reply_error_v, epoch, std::move(why));
}

brain_registry& brain_registry::global() {
  static brain_registry registry = [] {
    brain_registry r;
    r.add("openai", openai_brain);
    r.add("anthropic", anthropic_brain);
    r.add("script", script_brain);
    r.add("echo", echo_brain);
    return r;
  }();
  return registry;
}

void brain_registry::add(std::string name, brain_factory factory) {
  factories_[std::move(name)] = std::move(factory);
}

std::vector<std::string> brain_registry::names() const {
  std::vector<std::string> out;
  for (const auto& [name, _] : factories_) out.push_back(name);
  return out;
}

caf::actor brain_registry::spawn(caf::event_based_actor* parent, const std::string& name,
                                 brain_context ctx) const {
  auto factory = factories_.at(name);
  return parent->spawn<caf::monitored>(
      [factory](caf::event_based_actor* self, brain_context c) { return factory(self, std::move(c)); },
      std::move(ctx));
}

}  // namespace parley
