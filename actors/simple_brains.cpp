// The `script` and `echo` behaviours: no model, deterministic answers for demos and tests.

#include <caf/all.hpp>

#include "actors/atoms.hpp"
#include "actors/brain.hpp"
#include "actors/messages.hpp"
#include "protocol/sentence_splitter.hpp"

namespace parley {

namespace {

// Hands `text` over sentence by sentence, as a streaming model would.
void answer(brain_output<plugin::brain_actor::pointer>& out, uint64_t epoch, const std::string& text) {
  out.first_token(epoch);
  sentence_splitter splitter;
  for (auto& s : splitter.feed(text)) out.sentence(epoch, std::move(s));
  if (auto rest = splitter.finish(); !rest.empty()) out.sentence(epoch, std::move(rest));
  out.done(epoch, text);
}

}  // namespace

plugin::brain_actor::behavior_type script_brain(plugin::brain_actor::pointer self, brain_context ctx) {
  auto out = std::make_shared<brain_output<plugin::brain_actor::pointer>>(self, ctx.parent);
  auto turn = std::make_shared<std::size_t>(0);
  auto script = ctx.rt->llm.script;
  return {
      [=](atoms::think, uint64_t epoch, const chat_history&) {
        if (script.empty()) return out->error(epoch, "llm.script is empty");
        answer(*out, epoch, script[(*turn)++ % script.size()]);
      },
      [=](atoms::cancel, uint64_t) {},
  };
}

plugin::brain_actor::behavior_type echo_brain(plugin::brain_actor::pointer self, brain_context ctx) {
  auto out = std::make_shared<brain_output<plugin::brain_actor::pointer>>(self, ctx.parent);
  return {
      [=](atoms::think, uint64_t epoch, const chat_history& history) {
        std::string heard = history.empty() ? std::string{} : history.back().content;
        answer(*out, epoch, "You said: " + heard);
      },
      [=](atoms::cancel, uint64_t) {},
  };
}

}  // namespace parley
