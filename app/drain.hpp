#pragma once
// What SIGTERM and SIGINT do (DESIGN §8). The first signal drains: /readyz fails at once, no
// new call is taken, live calls go on until they end or agent.drain-timeout passes, then hear
// agent.drain-message and are hung up or released. A second signal, or a drain that has not
// finished a minute after the timeout, stops every session at once.

#include <caf/fwd.hpp>
#include <chrono>
#include <csignal>
#include <future>

#include "actors/interfaces.hpp"

namespace parley {

struct readiness;

// Blocks SIGINT and SIGTERM in the calling thread; threads started later inherit the mask, so
// only wait_and_drain takes them.
sigset_t block_stop_signals();

// Waits for the first signal, then drains until `gateway_done` is ready. Returns the exit
// code: 0 when every call ended, 1 when the sessions had to be stopped early.
int wait_and_drain(const sigset_t& signals, const gateway_actor& gateway, std::future<void> gateway_done,
                   readiness& ready, std::chrono::milliseconds drain_timeout);

}  // namespace parley
