// The speaking actor stops its session even when its supervisor dies without a word, also
// when VoIPBIN answers the create only after the actor has ended.

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
  speaking_actor child;
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
    ASSERT_TRUE(test::eventually([&] { return vsim.live_speakings() == 1; }, std::chrono::seconds(30)));
    caf::anon_send_exit(p, caf::exit_reason::kill);
    p = nullptr;
    EXPECT_TRUE(test::eventually([&] { return vsim.live_speakings() == 0; }, std::chrono::seconds(30)));
  }
}

TEST(Speaking, ASessionCreatedAfterItsActorEndedIsStopped) {
  test::sim_runtime env;
  auto& vsim = env.vsim;
  {
    caf::actor_system sys{test::test_config()};
    auto p = sys.spawn(parent, env.rt);
    // Killed before the create can be answered (almost always): the create still goes out.
    caf::anon_send_exit(p, caf::exit_reason::kill);
    p = nullptr;
    auto created_and_stopped = [&] {
      bool created = false, stopped = false;
      for (const auto& r : vsim.requests()) {
        created |= r.method == "POST" && r.path == "/speakings" && r.status == 201;
        stopped |= r.path.size() > 5 && r.path.compare(r.path.size() - 5, 5, "/stop") == 0 && r.status == 200;
      }
      return created && stopped && vsim.live_speakings() == 0;
    };
    EXPECT_TRUE(test::eventually(created_and_stopped, std::chrono::seconds(30)));
    EXPECT_EQ(vsim.live_speakings(), 0u);
  }
}
