#pragma once
// What actor tests need: voipbin-sim on loopback, the io thread, the HTTP client and the
// request scheduler that reach it, and a runtime pointing at them.

#include <caf/all.hpp>
#include <chrono>
#include <memory>
#include <thread>

#include "actors/runtime.hpp"
#include "net/http_client.hpp"
#include "net/io_runtime.hpp"
#include "net/tls_context.hpp"
#include "net/voipbin_scheduler.hpp"
#include "protocol/metrics.hpp"
#include "sim/voipbin_sim.hpp"

namespace parley::test {

// Two workers with the sharing policy, as parley runs them.
inline caf::actor_system_config& test_config() {
  static caf::actor_system_config cfg = [] {
    caf::actor_system_config c;
    c.set("scheduler.policy", caf::atom("sharing"));
    c.set("scheduler.max-threads", 2);
    return c;
  }();
  return cfg;
}

template <class Pred>
bool eventually(Pred p, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (p()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return p();
}

struct sim_runtime {
  sim_runtime() : vsim(io.context(), {}) {
    auto port = vsim.start("127.0.0.1", 0).value();
    http = std::make_unique<net::http_client>(io.context(), net::make_client_tls_context({}).value());
    io.start();
    auto r = std::make_shared<runtime>();
    r->voipbin.api = parse_url("http://127.0.0.1:" + std::to_string(port) + "/v1.0").value();
    r->voipbin.accesskey = "sim-accesskey";
    r->voipbin.customer_id = sim::voipbin_sim_options{}.customer_id;
    r->llm.provider = "echo";
    r->http = http.get();
    r->stats = &stats;
    scheduler = std::make_unique<net::voipbin_scheduler>(
        io.context(), *http, net::scheduler_options{r->voipbin.api, r->voipbin.accesskey});
    r->voipbin_rest = scheduler.get();
    rt = r;
  }
  ~sim_runtime() {
    vsim.stop();
    io.stop();
  }

  net::io_runtime io{1};
  metrics stats;
  sim::voipbin_sim vsim;
  std::unique_ptr<net::http_client> http;
  std::unique_ptr<net::voipbin_scheduler> scheduler;
  std::shared_ptr<const runtime> rt;
};

}  // namespace parley::test
