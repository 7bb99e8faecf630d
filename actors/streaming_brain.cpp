#include "actors/streaming_brain.hpp"

#include <caf/all.hpp>
#include <map>

#include "actors/atoms.hpp"
#include "actors/messages.hpp"
#include "actors/rest_bridge.hpp"
#include "protocol/sentence_splitter.hpp"

namespace parley {

namespace {

struct stream_state {
  uint64_t epoch = 0;
  uint64_t tag = 0;  // the request in flight; 0 when none
  uint64_t next_tag = 0;
  net::request_handle handle;
  sentence_splitter splitter;
  std::string text;
  std::map<std::size_t, tool_call> calls;  // by the provider's index, in the order called
  bool got_token = false;
};

// The calls of a reply, each with an id (its result must name it; a server may leave it out).
std::vector<tool_call> finished_calls(std::map<std::size_t, tool_call>& calls, uint64_t epoch) {
  std::vector<tool_call> out;
  for (auto& [index, call] : calls) {
    if (call.id.empty()) call.id = "call_" + std::to_string(epoch) + "_" + std::to_string(index);
    out.push_back(std::move(call));
  }
  calls.clear();
  return out;
}

}  // namespace

streaming_brain_actor::behavior_type streaming_brain(streaming_brain_actor::pointer self, brain_context ctx,
                                                     llm_wire wire) {
  auto st = std::make_shared<stream_state>();
  auto out = std::make_shared<brain_output<streaming_brain_actor::pointer>>(self, ctx.parent);
  auto rt = ctx.rt;

  auto finish = [=] {
    if (auto rest = st->splitter.finish(); !rest.empty()) out->sentence(st->epoch, std::move(rest));
    st->tag = 0;
    if (!st->calls.empty())
      return out->tool_calls(st->epoch, std::move(st->text), finished_calls(st->calls, st->epoch));
    out->done(st->epoch, std::move(st->text));
  };
  auto abort_with = [=](std::string why) {
    st->handle.cancel();
    st->tag = 0;
    out->error(st->epoch, std::move(why));
  };

  return {
      [=](atoms::think, uint64_t epoch, const chat_history& history) {
        if (st->tag != 0) st->handle.cancel();
        st->epoch = epoch;
        st->tag = ++st->next_tag;
        st->splitter = sentence_splitter{};
        st->text.clear();
        st->calls.clear();
        st->got_token = false;
        auto req = wire.request(*rt, history);
        req.method = "POST";
        req.headers.push_back({"Accept", "text/event-stream"});
        req.timeout = rt->llm.timeout;
        req.on_written = [parent = ctx.parent, epoch] {
          if (auto p = caf::actor_cast<plugin::brain_listener_actor>(parent))
            caf::anon_send(p, atoms::llm_written_v, epoch,
                           int64_t{std::chrono::steady_clock::now().time_since_epoch().count()});
        };
        st->handle = stream_reply(*rt, self->address(), st->tag, std::move(req), wire.event);
      },
      [=](atoms::cancel, uint64_t epoch) {
        if (st->tag == 0 || epoch < st->epoch) return;
        st->handle.cancel();
        st->tag = 0;
      },
      [=](atoms::chunk, uint64_t tag, reply_pieces& pieces) {
        if (tag != st->tag) return;  // stale: cancelled or finished
        for (auto& delta : pieces.deltas) {
          if (!st->got_token && (!delta.text.empty() || !delta.tool_calls.empty())) {
            st->got_token = true;
            out->first_token(st->epoch);
          }
          for (auto& piece : delta.tool_calls) {
            auto& call = st->calls[piece.index];
            if (!piece.id.empty()) call.id = std::move(piece.id);
            if (!piece.name.empty()) call.name = std::move(piece.name);
            call.arguments += piece.arguments;
          }
          if (!delta.text.empty()) {
            st->text += delta.text;
            for (auto& s : st->splitter.feed(delta.text)) out->sentence(st->epoch, std::move(s));
          }
          if (delta.done) return finish();
        }
        if (!pieces.error.empty()) abort_with(std::move(pieces.error));
      },
      [=](atoms::stream_end, uint64_t tag, const http_reply& r) {
        if (tag != st->tag) return;
        if (!r.error.empty()) return abort_with("LLM request failed: " + r.error);
        if (r.status < 200 || r.status >= 300) {
          auto msg = wire.error_message(r.body);
          return abort_with("LLM answered " + std::to_string(r.status) + (msg ? ": " + *msg : ""));
        }
        finish();  // the stream ended without its end event: keep what arrived
      },
  };
}

}  // namespace parley
