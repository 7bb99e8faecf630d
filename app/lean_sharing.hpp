#pragma once
// parley's actor scheduler policy: CAF's work sharing (one queue for all workers) without its
// per-message costs. CAF's policy allocates a list node for every job it queues and signals
// the condition variable on every enqueue while holding the lock, so each message from the io
// thread woke a sleeping worker straight into that lock: under load most of parley's CPU went
// to futex wake-ups and context switches (perf, docs/performance.md). This one keeps the jobs
// in a deque (blocks, not a node per job), signals only when a worker sleeps (outside the
// lock), and lets a worker that runs dry yield a few times before it sleeps, so a burst of
// events is taken by a running worker.
// Only used through caf::scheduler::coordinator (app/parley_config.cpp).

#include <sched.h>

#include <atomic>
#include <caf/policy/unprofiled.hpp>
#include <caf/resumable.hpp>
#include <condition_variable>
#include <deque>
#include <mutex>

namespace parley {

class lean_sharing : public caf::policy::unprofiled {
 public:
  // Yields before a worker that found no job sleeps: each is a sched_yield, far cheaper than
  // the futex sleep and wake-up it saves when a job comes meanwhile.
  static constexpr int yields_before_sleep = 16;

  struct coordinator_data {
    explicit coordinator_data(caf::scheduler::abstract_coordinator*) {}
    std::mutex lock;
    std::condition_variable cv;
    std::deque<caf::resumable*> queue;
    int sleepers = 0;             // workers waiting on cv (under lock)
    std::atomic<size_t> size{0};  // queue.size(), read without the lock while yielding
  };

  struct worker_data {
    explicit worker_data(caf::scheduler::abstract_coordinator*) {}
  };

  template <class Coordinator>
  void enqueue(Coordinator* self, caf::resumable* job) {
    auto& q = d(self);
    bool wake;
    {
      std::lock_guard<std::mutex> guard(q.lock);
      q.queue.push_back(job);
      q.size.store(q.queue.size(), std::memory_order_release);
      wake = q.sleepers > 0;
    }
    if (wake) q.cv.notify_one();
  }

  template <class Coordinator>
  void central_enqueue(Coordinator* self, caf::resumable* job) {
    enqueue(self, job);
  }
  template <class Worker>
  void external_enqueue(Worker* self, caf::resumable* job) {
    enqueue(self->parent(), job);
  }
  template <class Worker>
  void internal_enqueue(Worker* self, caf::resumable* job) {
    enqueue(self->parent(), job);
  }
  template <class Worker>
  void resume_job_later(Worker* self, caf::resumable* job) {
    enqueue(self->parent(), job);
  }

  template <class Worker>
  caf::resumable* dequeue(Worker* self) {
    auto& q = d(self->parent());
    for (int i = 0; i < yields_before_sleep && q.size.load(std::memory_order_acquire) == 0; ++i)
      sched_yield();
    std::unique_lock<std::mutex> guard(q.lock);
    if (q.queue.empty()) {
      ++q.sleepers;
      q.cv.wait(guard, [&] { return !q.queue.empty(); });
      --q.sleepers;
    }
    auto* job = q.queue.front();
    q.queue.pop_front();
    q.size.store(q.queue.size(), std::memory_order_release);
    return job;
  }

  template <class Worker, class UnaryFunction>
  void foreach_resumable(Worker*, UnaryFunction) {}

  template <class Coordinator, class UnaryFunction>
  void foreach_central_resumable(Coordinator* self, UnaryFunction f) {
    auto& q = d(self);
    std::lock_guard<std::mutex> guard(q.lock);
    while (!q.queue.empty()) {
      auto* job = q.queue.front();
      q.queue.pop_front();
      f(job);
    }
    q.size.store(0, std::memory_order_release);
  }
};

}  // namespace parley
