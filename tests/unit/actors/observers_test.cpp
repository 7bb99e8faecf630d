// Call observers: each event reaches the observer in order; one whose call supervisor ends
// without telling it still gets `ended`; one that throws is counted and goes on.

#include <gtest/gtest.h>

#include <caf/all.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "actors/observers.hpp"
#include "protocol/metrics.hpp"

using namespace parley;

namespace {

// What an observer saw, shared with the test thread.
struct seen {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::string> events;  // "<kind> <text>"

  bool wait_for(std::size_t n) {
    std::unique_lock lock{mutex};
    return changed.wait_for(lock, std::chrono::seconds(30), [&] { return events.size() >= n; });
  }
  std::vector<std::string> all() {
    std::lock_guard lock{mutex};
    return events;
  }
};

class recorder final : public plugin::call_observer {
 public:
  recorder(std::shared_ptr<seen> log, bool throws) : log_(std::move(log)), throws_(throws) {}
  void on_event(const plugin::call_event& ev) override {
    {
      std::lock_guard lock{log_->mutex};
      log_->events.push_back(std::string(to_string(ev.kind)) + " " + ev.text);
    }
    log_->changed.notify_all();
    if (throws_) throw std::runtime_error("observer bug");
  }

 private:
  std::shared_ptr<seen> log_;
  bool throws_;
};

// Registers an observer named `name` that records into a fresh log.
std::shared_ptr<seen> register_recorder(const std::string& name, bool throws) {
  auto log = std::make_shared<seen>();
  observer_registry::global().add(
      name, [log, throws](const plugin::call_info&) { return std::make_unique<recorder>(log, throws); });
  return log;
}

}  // namespace

// The supervisor stands in for a call supervisor that reports two events and then ends without
// `ended` (as one that fails would): the observer is told the call ended all the same.
TEST(Observers, ACallThatEndsUnannouncedStillEndsForItsObservers) {
  auto log = register_recorder("test-unannounced", false);
  metrics stats;
  runtime rt;
  rt.stats = &stats;
  rt.agent.observers = {"test-unannounced"};
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  // (The runtime goes as an argument: CAF 0.17 binds a null reference for a function actor
  // spawned without one, which UBSan reports.)
  auto standin = sys.spawn(
      [](caf::event_based_actor* self, const runtime* rt) -> caf::behavior {
        auto observers = spawn_observers(self, *rt, {"call-1", "default", "+1555", "+1666", "en-US"});
        notify(observers, {plugin::call_event_kind::answered, "", {}, {}, false, 0, 0});
        notify(observers, {plugin::call_event_kind::caller_said, "hello", {}, {}, false, 1, 0});
        return {[self](int) { self->quit(); }};
      },
      &rt);
  ASSERT_TRUE(log->wait_for(2));
  caf::anon_send(standin, 1);  // it ends without telling its observers
  ASSERT_TRUE(log->wait_for(3)) << ::testing::PrintToString(log->all());
  EXPECT_EQ(log->all(),
            (std::vector<std::string>{"answered ", "caller_said hello", "ended supervisor exited"}));
}

// An observer that throws on every event still sees every event, and each throw is counted.
TEST(Observers, AThrowingObserverIsCountedAndSeesEveryEvent) {
  auto log = register_recorder("test-thrower", true);
  metrics stats;
  runtime rt;
  rt.stats = &stats;
  rt.agent.observers = {"test-thrower"};
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto standin = sys.spawn(
      [](caf::event_based_actor* self, const runtime* rt) -> caf::behavior {
        auto observers = spawn_observers(self, *rt, {"call-2", "default", "", "", "en-US"});
        notify(observers, {plugin::call_event_kind::answered, "", {}, {}, false, 0, 0});
        notify(observers, {plugin::call_event_kind::agent_said, "Hi.", {}, {}, false, 0, 0});
        notify(observers, {plugin::call_event_kind::ended, "call over", {}, {}, false, 0, 0});
        return {[self](int) { self->quit(); }};
      },
      &rt);
  bool all = log->wait_for(3);
  caf::anon_send(standin, 1);
  ASSERT_TRUE(all) << ::testing::PrintToString(log->all());
  EXPECT_EQ(log->all(), (std::vector<std::string>{"answered ", "agent_said Hi.", "ended call over"}));
  std::string text;
  for (int i = 0; i < 3000 &&
                  text.find("parley_observer_errors_total{observer=\"test-thrower\"} 3") == std::string::npos;
       ++i) {
    text = stats.render();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_NE(text.find("parley_observer_errors_total{observer=\"test-thrower\"} 3"), std::string::npos)
      << text;
}
