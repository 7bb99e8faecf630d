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
#include "sim_runtime.hpp"

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
  test::sim_runtime env;
  auto& vsim = env.vsim;
  {
    caf::actor_system sys{test::test_config()};
    auto p = sys.spawn(parent, env.rt);
    for (int i = 0; i < 500 && vsim.live_speakings() == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_EQ(vsim.live_speakings(), 1u);
    caf::anon_send_exit(p, caf::exit_reason::kill);
    p = nullptr;
    for (int i = 0; i < 500 && vsim.live_speakings() > 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_EQ(vsim.live_speakings(), 0u);
  }
}
