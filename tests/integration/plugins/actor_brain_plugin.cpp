// A plugin with a CAF actor brain (parley/actor_brain.hpp), `backwards`: it answers with the
// caller's words in reverse order. Also an observer, `thrower`, that throws on every event:
// the call must not notice; and a plain brain, `talk-then-hand-over`, that says something and
// then hands the turn over, which parley refuses (the caller would hear two answers).

#include <caf/all.hpp>
#include <parley/actor_brain.hpp>
#include <parley/plugin.hpp>

#include <sstream>
#include <stdexcept>

namespace {

parley::plugin::brain_actor::behavior_type backwards(parley::plugin::brain_actor::pointer self,
                                                     parley::plugin::actor_brain_context ctx) {
  return {
      [self, ctx](parley::atoms::think, uint64_t epoch, const parley::chat_history& history) {
        std::istringstream in{history.back().content};
        std::string word, text;
        while (in >> word) text = word + (text.empty() ? "" : " ") + text;
        text += ".";
        self->send(ctx.listener, parley::atoms::first_token_v, epoch);
        self->send(ctx.listener, parley::atoms::sentence_v, epoch, text);
        self->send(ctx.listener, parley::atoms::reply_v, epoch, text);
      },
      [](parley::atoms::cancel, uint64_t) {},
  };
}

class thrower final : public parley::plugin::call_observer {
 public:
  void on_event(const parley::plugin::call_event&) override { throw std::runtime_error("observer bug"); }
};

class talk_then_hand_over final : public parley::plugin::brain {
 public:
  void on_turn(const parley::chat_history&, std::shared_ptr<parley::plugin::turn_sink> sink) override {
    sink->say("Let me think.");
    sink->hand_over("openai");
  }
};

void register_all(parley::plugin::registry& r) {
  r.add_brain("talk-then-hand-over",
              [](const parley::plugin::brain_env&) { return std::make_unique<talk_then_hand_over>(); });
  r.add_actor_brain("backwards", {[](caf::actor_system& sys, parley::plugin::actor_brain_context ctx) {
                      return sys.spawn(backwards, std::move(ctx));
                    }});
  r.add_observer("thrower", [](const parley::plugin::call_info&) { return std::make_unique<thrower>(); });
}

}  // namespace

PARLEY_PLUGIN(register_all)
