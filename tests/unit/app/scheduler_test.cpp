// parley's actor scheduler: `scheduler.policy=sharing` runs parley's lean work-sharing policy,
// which must deliver every message under load from many threads and shut down cleanly;
// `caf-sharing` keeps CAF's own.

#include <gtest/gtest.h>

#include <caf/all.hpp>
#include <caf/policy/work_sharing.hpp>
#include <caf/scheduler/coordinator.hpp>
#include <thread>
#include <vector>

#include "app/lean_sharing.hpp"
#include "app/parley_config.hpp"

using namespace parley;

namespace {

raw_options with_policy(const std::string& policy, int threads) {
  raw_options raw;
  raw.scheduler_policy = policy;
  raw.scheduler_max_threads = threads;
  return raw;
}

bool runs_lean(caf::actor_system& sys) {
  return dynamic_cast<caf::scheduler::coordinator<lean_sharing>*>(&sys.scheduler()) != nullptr;
}

// An actor that adds what it is sent and answers with the sum so far.
caf::behavior adder(caf::event_based_actor* self, int start) {
  auto sum = std::make_shared<long>(start);
  return {[=](int x) { return *sum += x; }, [=](caf::atom_value) { self->quit(); }};
}

}  // namespace

TEST(Scheduler, SharingIsParleysLeanPolicyAndCafSharingIsCafs) {
  {
    parley_config cfg{with_policy("sharing", 2)};
    caf::actor_system sys{cfg};
    EXPECT_TRUE(runs_lean(sys));
  }
  {
    parley_config cfg{with_policy("caf-sharing", 2)};
    caf::actor_system sys{cfg};
    EXPECT_FALSE(runs_lean(sys));
    EXPECT_NE(dynamic_cast<caf::scheduler::coordinator<caf::policy::work_sharing>*>(&sys.scheduler()),
              nullptr);
  }
}

TEST(Scheduler, LeanSharingDeliversEveryMessageFromManyThreads) {
  parley_config cfg{with_policy("sharing", 2)};
  caf::actor_system sys{cfg};
  ASSERT_TRUE(runs_lean(sys));
  constexpr int actors = 200, senders = 4, per_sender = 250;
  std::vector<caf::actor> adders;
  for (int i = 0; i < actors; ++i) adders.push_back(sys.spawn(adder, 0));
  // Foreign threads send, as parley's io thread does: each adds 1 to every actor, many times.
  std::vector<std::thread> threads;
  for (int t = 0; t < senders; ++t)
    threads.emplace_back([&] {
      for (int n = 0; n < per_sender; ++n)
        for (auto& a : adders) caf::anon_send(a, 1);
    });
  for (auto& t : threads) t.join();
  caf::scoped_actor self{sys};
  for (auto& a : adders) {
    long total = -1;
    // Mailboxes are FIFO per sender, not across senders: ask until every add has landed.
    for (int tries = 0; tries < 10000 && total != senders * per_sender; ++tries)
      self->request(a, caf::infinite, 0)
          .receive([&](long sum) { total = sum; }, [&](caf::error&) { total = -2; });
    EXPECT_EQ(total, senders * per_sender);
    self->send(a, caf::atom("stop"));
  }
}
