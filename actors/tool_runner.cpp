// The tool runner of a call: sends an HTTP tool's request (docs/tools.md) and hands its answer
// to the supervisor as the tool's result. Whatever goes wrong (a bad argument text from the
// model, a timeout, a non-2xx answer) is a result the model reads, never a failed turn.

#include <spdlog/spdlog.h>
#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/atoms.hpp"
#include "actors/children.hpp"
#include "actors/messages.hpp"
#include "actors/rest_bridge.hpp"
#include "protocol/metrics.hpp"

namespace parley {

namespace {

// A model is given at most this much of a tool's answer: a large body would crowd out the
// conversation.
constexpr std::size_t max_result_bytes = 16 * 1024;

std::string cut(std::string text) {
  if (text.size() <= max_result_bytes) return text;
  auto end = max_result_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;  // not inside UTF-8
  text.resize(end);
  return text + " [cut: the answer was longer]";
}

struct running_tool {
  uint64_t epoch = 0;
  uint64_t tag = 0;       // the request in flight; 0: none
  uint64_t last_tag = 0;  // the newest request's: an answer to an older one is stale
  std::string call_id;
  std::string name;
  net::request_handle handle;
};

tool_runner_actor::behavior_type tool_runner(tool_runner_actor::pointer self,
                                             std::shared_ptr<const runtime> rt, std::string call_id,
                                             caf::actor_addr parent) {
  auto now = std::make_shared<running_tool>();
  auto answer = [=](uint64_t epoch, const std::string& id, std::string content, bool error) {
    if (auto p = caf::actor_cast<child_listener_actor>(parent))
      self->send(p, atoms::tool_result_v, epoch, id, std::move(content), error);
  };
  return {
      [=](atoms::run_tool, uint64_t epoch, const tool_call& call) {
        const auto* tool = find_http_tool(rt->agent.http_tools, call.name);
        if (!tool) return answer(epoch, call.id, "error: there is no tool named '" + call.name + "'", true);
        auto args = nlohmann::json::parse(call.arguments.empty() ? "{}" : call.arguments, nullptr, false);
        if (args.is_discarded() || !args.is_object())
          return answer(epoch, call.id, "error: the arguments are not a JSON object; nothing was sent", true);
        if (now->tag != 0) now->handle.cancel();  // one at a time: a new one replaces the old
        net::http_request req;
        req.method = tool->method;
        req.target = tool->target;
        for (const auto& [name, value] : tool->headers) req.headers.push_back({name, value});
        req.body = nlohmann::json{{"call_id", call_id}, {"arguments", std::move(args)}}.dump(
            -1, ' ', false, nlohmann::json::error_handler_t::replace);
        req.timeout = tool->timeout;
        *now = running_tool{epoch, now->last_tag + 1, now->last_tag + 1, call.id, call.name, {}};
        spdlog::info("call {}: tool {} called", call_id, call.name);
        now->handle = send_http(*rt, self->address(), now->tag, std::move(req));
      },
      [=](atoms::cancel, uint64_t epoch) {
        if (now->tag == 0 || epoch < now->epoch) return;
        now->handle.cancel();
        spdlog::info("call {}: tool {} cancelled", call_id, now->name);
        now->tag = 0;
      },
      [=](atoms::rest, uint64_t tag, http_reply& r) {
        if (tag != now->tag) return;  // cancelled
        now->tag = 0;
        if (!r.error.empty()) {
          spdlog::warn("call {}: tool {} failed: {}", call_id, now->name, r.error);
          return answer(now->epoch, now->call_id, "error: the tool failed: " + r.error, true);
        }
        if (!r.ok()) {
          spdlog::warn("call {}: tool {} answered {}", call_id, now->name, r.status);
          return answer(now->epoch, now->call_id,
                        "error: the tool answered HTTP " + std::to_string(r.status) +
                            (r.body.empty() ? "" : ": " + cut(std::move(r.body))),
                        true);
        }
        spdlog::info("call {}: tool {} answered {}", call_id, now->name, r.status);
        answer(
            now->epoch, now->call_id,
            r.body.empty() ? std::string("ok (the tool answered with no content)") : cut(std::move(r.body)),
            false);
      },
  };
}

}  // namespace

tool_runner_actor spawn_tool_runner(caf::local_actor* parent, std::shared_ptr<const runtime> rt,
                                    std::string call_id) {
  return parent->spawn<caf::monitored>(tool_runner, std::move(rt), std::move(call_id), parent->address());
}

}  // namespace parley
