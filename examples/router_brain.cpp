// The `router` brain: answers a few questions from a local table (opening hours, address) at
// once, and hands every other turn to the `openai` brain with the call's llm.* settings.
//
//   parley --agent.plugins=plugins/router_brain.so --llm.provider=router ...

#include <parley/plugin.hpp>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

namespace {

struct canned_answer {
  std::vector<std::string> keywords;  // any of them, in the caller's words, picks the answer
  std::string answer;
};

const std::vector<canned_answer>& table() {
  static const std::vector<canned_answer> answers = {
      {{"opening hours", "open", "hours"}, "We are open from nine to five, Monday to Friday."},
      {{"address", "where are you", "located"}, "You will find us at 1 Main Street, Springfield."},
  };
  return answers;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

class router_brain final : public parley::plugin::brain {
 public:
  explicit router_brain(std::string fallback) : fallback_(std::move(fallback)) {}

  void on_turn(const parley::chat_history& history,
               std::shared_ptr<parley::plugin::turn_sink> sink) override {
    // A turn that goes on after a tool's result belongs to the model that called the tool.
    if (!history.empty() && history.back().role == "user") {
      auto words = lower(history.back().content);
      for (const auto& entry : table())
        for (const auto& keyword : entry.keywords)
          if (words.find(keyword) != std::string::npos) {
            sink->say(entry.answer);
            return sink->done();
          }
    }
    sink->hand_over(fallback_);
  }

 private:
  std::string fallback_;
};

void register_router(parley::plugin::registry& r) {
  r.add_brain("router",
              [](const parley::plugin::brain_env&) { return std::make_unique<router_brain>("openai"); });
}

}  // namespace

PARLEY_PLUGIN(register_router)
