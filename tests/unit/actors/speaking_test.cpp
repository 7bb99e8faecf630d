// The speaking actor stops its session even when its supervisor dies without a word.

#include <gtest/gtest.h>

#include <caf/all.hpp>
#include <thread>

#include "actors/atoms.hpp"
#include "actors/children.hpp"
#include "net/http_client.hpp"
#include "net/io_runtime.hpp"
#include "net/tls_context.hpp"
#include "net/voipbin_scheduler.hpp"
#include "protocol/metrics.hpp"
#include "sim/voipbin_sim.hpp"

using namespace parley;

namespace {

struct parent_state {
  caf::actor child;
};

caf::behavior parent(caf::stateful_actor<parent_state>* self, std::shared_ptr<const runtime> rt) {
  self->set_down_handler([](caf::down_msg&) {});
  self->state.child = spawn_speaking(self, rt, "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d");
  return {
      [](atoms::ready, const std::string&, const std::string&) {},
      [](atoms::say_sent, uint64_t) {},
  };
}

}  // namespace

TEST(Speaking, SessionIsStoppedWhenTheSupervisorDies) {
  net::io_runtime io{1};
  metrics stats;
  sim::voipbin_sim vsim{io.context(), {}};
  auto port = vsim.start("127.0.0.1", 0);
  ASSERT_TRUE(port);
  net::http_client http{io.context(), net::make_client_tls_context({}).value()};
  io.start();
  auto rt = std::make_shared<runtime>();
  rt->voipbin.api = parse_url("http://127.0.0.1:" + std::to_string(*port) + "/v1.0").value();
  rt->voipbin.accesskey = "sim-accesskey";
  rt->http = &http;
  rt->stats = &stats;
  net::voipbin_scheduler scheduler{io.context(), http, {rt->voipbin.api, rt->voipbin.accesskey}};
  rt->voipbin_rest = &scheduler;
  {
    caf::actor_system_config cfg;
    cfg.set("scheduler.policy", caf::atom("sharing"));
    caf::actor_system sys{cfg};
    auto p = sys.spawn(parent, rt);
    for (int i = 0; i < 500 && vsim.live_speakings() == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_EQ(vsim.live_speakings(), 1u);
    caf::anon_send_exit(p, caf::exit_reason::kill);
    p = nullptr;
    for (int i = 0; i < 500 && vsim.live_speakings() > 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_EQ(vsim.live_speakings(), 0u);
  }
  vsim.stop();
  io.stop();
}
