#include "actors/rest_bridge.hpp"

#include <spdlog/spdlog.h>
#include <atomic>
#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/send.hpp>
#include <optional>
#include <utility>

#include "actors/atoms.hpp"
#include "actors/messages.hpp"
#include "net/voipbin_scheduler.hpp"
#include "protocol/metrics.hpp"

namespace parley {

namespace {

http_reply to_reply(net::http_outcome&& out) {
  http_reply r;
  r.status = out.response.status;
  r.body = std::move(out.response.body);
  r.retry_after = net::find_header(out.response.headers, "retry-after");
  if (!out.ok()) {
    r.error = std::string(net::to_string(out.error));
    if (!out.error_text.empty()) r.error += ": " + out.error_text;
  }
  return r;
}

// VoIPBIN refused the access key (voipbin-api.md §1): said plainly, since every request
// fails alike. The first time and every 100th after, so a refused key cannot flood the log.
void note_auth_failure(metrics* stats, const std::string& label) {
  static std::atomic<uint64_t> seen{0};
  if (stats) stats->auth_failures_total.inc("source=\"rest\"");
  auto n = ++seen;
  if (n == 1 || n % 100 == 0)
    spdlog::error("VoIPBIN answered 401 (authentication failed) to {}: check voipbin.accesskey ({} so far)",
                  label, n);
}

template <class... Ts>
void deliver(const caf::actor_addr& to, Ts&&... xs) {
  if (auto a = caf::actor_cast<caf::actor>(to)) caf::anon_send(a, std::forward<Ts>(xs)...);
}

}  // namespace

void send_rest(const runtime& rt, const caf::actor_addr& to, uint64_t tag,
               const voipbin::rest_request& request) {
  send_rest(rt, to, tag, request, {});
}

void send_rest(const runtime& rt, const caf::actor_addr& to, uint64_t tag,
               const voipbin::rest_request& request, std::function<void(const http_reply&)> on_io) {
  auto* stats = rt.stats;
  // The request's series is found here, lock-free once its endpoint was seen; its label is
  // built only when there are no stats to take it from (it names a refused key in the log).
  const auto* endpoint = stats ? &stats->rest_requests.of(request) : nullptr;
  auto label = endpoint ? std::string() : voipbin::endpoint_label(request);
  rt.voipbin_rest->submit(request, [to, tag, stats, endpoint, label = std::move(label),
                                    on_io = std::move(on_io)](net::http_outcome out, bool rate_limited) {
    if (endpoint) {
      if (out.ok())
        stats->rest_requests.inc(*endpoint, out.response.status);
      else
        stats->rest_requests.inc_error(*endpoint, static_cast<unsigned>(out.error),
                                       net::to_string(out.error));
    }
    if (out.ok() && out.response.status == 401) note_auth_failure(stats, endpoint ? endpoint->label : label);
    auto reply = to_reply(std::move(out));
    reply.rate_limited = rate_limited;
    if (on_io) on_io(reply);
    deliver(to, atoms::rest_v, tag, std::move(reply));
  });
}

net::request_handle send_http(const runtime& rt, const caf::actor_addr& to, uint64_t tag,
                              net::http_request request) {
  return rt.http->send(std::move(request), [to, tag](net::http_outcome out) {
    deliver(to, atoms::rest_v, tag, to_reply(std::move(out)));
  });
}

net::request_handle stream_reply(const runtime& rt, const caf::actor_addr& to, uint64_t tag,
                                 net::http_request request, reply_gate::parse_fn parse) {
  // Used only on the io thread, by this stream's callbacks.
  auto gate = std::make_shared<reply_gate>(parse);
  return rt.http->stream(
      std::move(request),
      [to, tag, gate](std::string_view bytes) {
        if (gate->feed(bytes) && gate->holding()) deliver(to, atoms::chunk_v, tag, gate->take());
      },
      [to, tag, gate](net::http_outcome out) {
        if (gate->holding()) deliver(to, atoms::chunk_v, tag, gate->take());
        deliver(to, atoms::stream_end_v, tag, to_reply(std::move(out)));
      });
}

void claim_call(const runtime& rt, const caf::actor_addr& to, const std::string& call_id) {
  rt.cluster->claim(call_id, [to, call_id](bool ours) { deliver(to, atoms::claimed_v, call_id, ours); });
}

void load_checkpoint(const runtime& rt, const caf::actor_addr& to, const std::string& call_id) {
  rt.cluster->load_checkpoint(call_id,
                              [to](std::string json) { deliver(to, atoms::checkpoint_v, std::move(json)); });
}

}  // namespace parley
