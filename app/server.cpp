#include "app/server.hpp"

#include <spdlog/spdlog.h>
#include <caf/actor_system.hpp>
#include <caf/all.hpp>
#include <cstdio>
#include <future>

#include "actors/atoms.hpp"
#include "actors/brain.hpp"
#include "actors/gateway.hpp"
#include "actors/observers.hpp"
#include "app/admin_auth.hpp"
#include "app/admin_events.hpp"
#include "app/admin_routes.hpp"
#include "app/call_records.hpp"
#include "app/cluster_node.hpp"
#include "app/drain.hpp"
#include "app/fd_limit.hpp"
#include "app/logging.hpp"
#include "app/option_sources.hpp"
#include "app/parley_config.hpp"
#include "app/plugins.hpp"
#include "app/webhook_register.hpp"
#include "app/webhook_routes.hpp"
#include "net/http_client.hpp"
#include "net/http_server.hpp"
#include "net/io_runtime.hpp"
#include "net/tls_context.hpp"
#include "net/voipbin_scheduler.hpp"
#include "net/ws_client.hpp"
#include "protocol/call_journal.hpp"
#include "protocol/metrics.hpp"
#include "protocol/readiness.hpp"

namespace parley {
namespace {

constexpr int exit_bad_config = 2;

// One line per problem: "parley: <option or file>: <what is wrong>".
int config_error(const std::string& lines) {
  size_t start = 0;
  while (start <= lines.size()) {
    auto end = std::min(lines.find('\n', start), lines.size());
    std::fprintf(stderr, "parley: %s\n", lines.substr(start, end - start).c_str());
    start = end + 1;
  }
  return exit_bad_config;
}

}  // namespace
}  // namespace parley

namespace parley {

int run_parley(int argc, char** argv) {
  // Signals are taken in this thread only; every thread started below inherits the mask.
  auto signals = block_stop_signals();

  auto command = parse_webhook_command(argc, argv);
  if (!command.error.empty()) return config_error(command.error);
  auto request = read_options({command.rest.begin() + 1, command.rest.end()});
  if (!request) return config_error(request.error().message);
  if (request->help) {
    std::fputs(help_text().c_str(), stdout);
    return 0;
  }
  // Plugins first: the options name their brains and observers.
  if (auto err = load_plugins(request->raw.agent_plugins)) return config_error(err->message);
  auto validated =
      validate(request->raw, brain_registry::global().names(), observer_registry::global().names());
  if (!validated) return config_error(validated.error().message);
  if (request->dump_config) {
    std::fputs(effective_config(request->raw).c_str(), stdout);
    return 0;
  }
  freeze_registries();
  const settings& s = *validated;
  configure_logging(s.log_level, s.log_json);
  if (command.present) return register_webhook(s, command);
  // Raised before any socket is opened, logged once start-up has succeeded: a start-up error
  // stays the one line that names it.
  const auto fds = raise_fd_limit();

  net::io_runtime io{s.io_threads};
  auto tls = net::make_client_tls_context({s.tls_ca_file});
  if (!tls) return config_error("tls.ca-file: " + tls.error().message);
  net::http_client http{io.context(), *tls};
  metrics stats;
  call_journal journal;
  // The call records: before the actor system, so every call it ends is written.
  std::unique_ptr<record_writer> records;
  if (!s.records.dir.empty()) {
    records = std::make_unique<record_writer>(s.records, stats);
    if (auto err = records->start()) return config_error(err->message);
    journal.set_ended_sink([w = records.get()](const call_record& r) { w->write(r); });
  }
  readiness ready;
  ready.websocket_required = s.events_websocket;
  ready.webhook_required = s.events_webhook;
  ready.max_calls = s.agent.max_calls;
  net::voipbin_scheduler voipbin_rest{
      io.context(),
      http,
      {s.voipbin.api, s.voipbin.accesskey, s.voipbin.request_timeout, s.voipbin.rate_limit,
       s.voipbin.rate_burst, 3, std::chrono::milliseconds(500), &stats}};

  // Event sources and the admin API reach the gateway through this weak address, set once it
  // exists.
  auto gateway_addr = std::make_shared<caf::actor_addr>();
  auto to_gateway = [gateway_addr](auto... xs) {
    if (auto g = caf::actor_cast<gateway_actor>(*gateway_addr)) caf::anon_send(g, xs...);
  };
  admin_events events{io.context(), journal, stats};
  admin_auth auth{s.admin_token, s.admin_open_metrics};
  admin_services services;
  services.stats = &stats;
  services.ready = &ready;
  services.journal = &journal;
  services.events = &events;
  services.auth = &auth;
  services.voipbin = &voipbin_rest;
  services.expect_outbound = [to_gateway](std::vector<std::string> ids, std::string profile) {
    to_gateway(atoms::outbound_v, std::move(ids), std::move(profile));
  };
  services.hang_up = [to_gateway](std::string call_id) {
    to_gateway(atoms::hangup_call_v, std::move(call_id));
  };
  for (const auto& p : s.profiles) services.profiles.push_back(p.name);
  auto admin = net::http_server::listen(io.context(), {s.admin_listen.host, s.admin_listen.port},
                                        admin_routes(std::move(services)));
  if (!admin) return config_error("admin.listen: " + admin.error().message);
  auto rt = std::make_shared<runtime>();
  rt->voipbin = s.voipbin;
  rt->llm = s.llm;
  rt->agent = s.agent;
  rt->profiles = s.profiles;
  rt->http = &http;
  rt->voipbin_rest = &voipbin_rest;
  rt->stats = &stats;
  rt->ready = &ready;
  rt->journal = &journal;
  // Declared before the actor system, so it outlives every actor that claims through it.
  std::unique_ptr<cluster_node> cluster;
  if (s.cluster.redis) {
    net::redis_options redis;
    redis.endpoint = s.cluster.endpoint;
    redis.password = s.cluster.password;
    cluster = std::make_unique<cluster_node>(
        io.context(),
        cluster_options{std::move(redis), s.voipbin.customer_id, s.cluster.node_id, s.cluster.lease,
                        s.cluster.serve_alone},
        stats, ready,
        cluster_node::events{
            [to_gateway](const std::string& call_id) { to_gateway(atoms::adopt_v, call_id); },
            [to_gateway](const std::string& call_id) { to_gateway(atoms::forget_v, call_id); },
            [&voipbin_rest](int nodes) { voipbin_rest.share(nodes); }});
    rt->cluster = cluster.get();
    // Behind a load balancer each instance receives some webhooks: all are passed on. Over the
    // WebSocket every instance receives every event already.
    if (!s.events_websocket)
      cluster->forward_events(
          [to_gateway](std::string frame) { to_gateway(atoms::frame_v, std::move(frame)); });
  }
  std::shared_ptr<net::http_server> webhook;
  if (s.events_webhook) {
    auto hook = net::http_server::listen(
        io.context(), {s.webhook_listen.host, s.webhook_listen.port, 256 * 1024},
        webhook_routes(s.webhook_path, s.webhook_secret, stats,
                       [to_gateway, shared = s.events_websocket ? nullptr : cluster.get()](std::string body) {
                         if (shared) shared->share(body);
                         to_gateway(atoms::frame_v, std::move(body));
                       }));
    if (!hook) return config_error("webhook.listen: " + hook.error().message);
    webhook = *hook;
  }

  int rc = 0;
  {
    // Declared before the actor system, so it outlives every actor that may still set it.
    std::promise<void> gateway_done;
    parley_config cfg{request->raw};
    caf::actor_system sys{cfg};
    std::shared_ptr<net::ws_client> ws;
    net::ws_options wo;
    wo.target = s.voipbin.ws.with_query("accesskey", s.voipbin.accesskey);
    net::ws_callbacks cb;
    cb.on_open = [to_gateway, &ready] {
      ready.websocket_refused = 0;
      to_gateway(atoms::ws_up_v);
    };
    cb.on_refused = [&stats, &ready](int status) {
      ready.websocket_refused = status;
      if (status != 401) return;
      stats.auth_failures_total.inc("source=\"websocket\"");
      spdlog::error(
          "VoIPBIN refused the WebSocket with HTTP 401 (authentication failed): check voipbin.accesskey");
    };
    cb.on_message = [to_gateway](std::string frame) { to_gateway(atoms::frame_v, std::move(frame)); };
    cb.on_close = [to_gateway](const std::string& why, std::chrono::milliseconds retry) {
      to_gateway(atoms::ws_down_v, why + "; reconnecting in " + std::to_string(retry.count()) + " ms");
    };
    ws = std::make_shared<net::ws_client>(io.context(), *tls, std::move(wo), std::move(cb));
    rt->ws_send = [w = std::weak_ptr<net::ws_client>(ws)](std::string text) {
      if (auto c = w.lock()) c->send(std::move(text));
    };

    auto gateway = spawn_gateway(sys, rt);
    *gateway_addr = gateway.address();
    gateway->attach_functor([&gateway_done](const caf::error&) { gateway_done.set_value(); });

    io.start();
    if (cluster) cluster->start();  // first: a call is claimed before it is answered
    if (webhook) ready.webhook_listening = true;
    if (s.events_websocket) ws->start();
    // With a WebSocket the gateway reconciles once it is subscribed (so nothing starting from
    // then on is missed); webhooks need no subscription.
    if (!s.events_websocket) caf::anon_send(gateway, atoms::reconcile_v);
    if (fds.raised())
      spdlog::info("open files: limit raised from {} to {} (the hard limit)", fds.before, fds.now);
    else
      spdlog::info("open files: limit {} (hard limit {})", fds.now, fds.hard);
    spdlog::info("parley running: admin on {}:{}, {} brain, VoIPBIN {}, events over {}", s.admin_listen.host,
                 (*admin)->port(), s.llm.provider, s.voipbin.api.origin(),
                 s.events_websocket ? (s.events_webhook ? "websocket and webhook" : "websocket") : "webhook");
    if (cluster)
      spdlog::info("cluster mode: node {}, Redis {}, lease {} ms", s.cluster.node_id,
                   s.cluster.endpoint.to_string(), s.cluster.lease.count());

    // The event sources stay up while draining: the live calls still need their events.
    rc = wait_and_drain(signals, gateway, gateway_done.get_future(), ready, s.agent.drain_timeout);
    ws->stop();
    if (webhook) webhook->stop();
    ready.webhook_listening = false;
    events.stop();
    (*admin)->stop();
    gateway = nullptr;
    ws.reset();
  }  // the actor system waits for the last actor here
  // The records of the calls the shutdown ended are written too.
  if (records) records->stop();
  // The calls a drain handed over are adopted at once by the other nodes.
  if (cluster) cluster->stop();
  io.stop();
  spdlog::info("parley stopped");
  return rc;
}

}  // namespace parley
