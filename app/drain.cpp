#include "app/drain.hpp"

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

#include "actors/atoms.hpp"
#include "protocol/readiness.hpp"

namespace parley {

namespace {

using clock_type = std::chrono::steady_clock;

// Beyond agent.drain-timeout: the drain message (at most ~25 s), the hangup and the sessions'
// stops, each bounded by the actors (10 s, 20 s).
constexpr auto wrap_up_grace = std::chrono::seconds(60);
// A forced stop waits this long for the sessions' /stop answers: beyond the supervisors' own
// 20 s bound, so the actor system has nothing left to wait for after it.
constexpr auto stop_grace = std::chrono::seconds(25);

const char* name_of(int sig) {
  return sig == SIGTERM ? "SIGTERM" : sig == SIGINT ? "SIGINT" : "signal";
}

bool ready_now(std::future<void>& f) {
  return f.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
}

// The next SIGINT/SIGTERM within `limit`, or 0.
int next_signal(const sigset_t& signals, std::chrono::milliseconds limit) {
  timespec ts{static_cast<time_t>(limit.count() / 1000), static_cast<long>(limit.count() % 1000) * 1000000};
  int sig = sigtimedwait(&signals, nullptr, &ts);
  return sig > 0 ? sig : 0;
}

int stop_now(const gateway_actor& gateway, std::future<void>& gateway_done) {
  caf::anon_send<caf::message_priority::high>(gateway, atoms::shutdown_v);
  if (gateway_done.wait_for(stop_grace) != std::future_status::ready) {
    spdlog::error("sessions did not stop within {} s; exiting anyway", stop_grace.count());
    caf::anon_send_exit(gateway, caf::exit_reason::kill);
  }
  return 1;
}

}  // namespace

sigset_t block_stop_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

int wait_and_drain(const sigset_t& signals, const gateway_actor& gateway, std::future<void> gateway_done,
                   readiness& ready, std::chrono::milliseconds drain_timeout) {
  int sig = 0;
  sigwait(&signals, &sig);
  // The gateway hears of it before /readyz tells anyone: a call placed on that news is refused.
  caf::anon_send(gateway, atoms::drain_v);
  ready.draining = true;
  spdlog::info("{}: draining (no new calls; a second signal stops every session at once)", name_of(sig));
  auto give_up = clock_type::now() + drain_timeout + wrap_up_grace;
  while (!ready_now(gateway_done)) {
    if (int again = next_signal(signals, std::chrono::milliseconds(50))) {
      spdlog::warn("second signal ({}): stopping every session now", name_of(again));
      return stop_now(gateway, gateway_done);
    }
    if (clock_type::now() >= give_up) {
      spdlog::error("calls did not end within {} s of the drain timeout; stopping every session",
                    wrap_up_grace.count());
      return stop_now(gateway, gateway_done);
    }
  }
  spdlog::info("drained: every call has ended");
  return 0;
}

}  // namespace parley
