// The `webhook` brain: POSTs each turn to your service at llm.base-url and speaks what it
// answers. Request: {"call_id": "...", "messages": [{"role": "...", "content": "..."}, ...]}
// (with "Authorization: Bearer <llm.api-key>" when a key is set). Answer: 200 with
// {"text": "..."}. A caller who interrupts cancels the request.
//
//   parley --agent.plugins=plugins/webhook_brain.so --llm.provider=webhook
//          --llm.base-url=https://crm.example.com/parley/turn ...

#include <parley/plugin.hpp>

#include <nlohmann/json.hpp>

namespace {

using json = nlohmann::json;

class webhook_brain final : public parley::plugin::brain {
 public:
  explicit webhook_brain(const parley::plugin::brain_env& env) : env_(env) {}

  void on_turn(const parley::chat_history& history,
               std::shared_ptr<parley::plugin::turn_sink> sink) override {
    json messages = json::array();
    for (const auto& m : history) messages.push_back({{"role", m.role}, {"content", m.content}});
    parley::plugin::http_request req;
    req.url = env_.model.base_url;
    req.body = json{{"call_id", env_.call.call_id}, {"messages", messages}}.dump();
    if (!env_.model.api_key.empty()) req.headers.push_back({"Authorization", "Bearer " + env_.model.api_key});
    request_ = env_.http->send(std::move(req), [sink](const parley::plugin::http_response& r) {
      if (!r.ok())
        return sink->fail("webhook answered " + std::to_string(r.status) +
                          (r.error.empty() ? "" : ": " + r.error));
      auto body = json::parse(r.body, nullptr, false);
      if (!body.is_object() || !body.contains("text") || !body["text"].is_string())
        return sink->fail("webhook answer has no \"text\"");
      sink->say(body["text"].get<std::string>());
      sink->done();
    });
  }

  void on_cancel() override { env_.http->cancel(request_); }

 private:
  parley::plugin::brain_env env_;
  uint64_t request_ = 0;
};

void register_webhook(parley::plugin::registry& r) {
  r.add_brain("webhook",
              [](const parley::plugin::brain_env& env) { return std::make_unique<webhook_brain>(env); });
}

}  // namespace

PARLEY_PLUGIN(register_webhook)
