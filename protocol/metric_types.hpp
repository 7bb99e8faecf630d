#pragma once
// The metric kinds: counters, gauges and histograms, and labelled counter families.
// Lock-free on the hot path (atomics); a labelled family takes a mutex to find a series.

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace parley {

class counter {
 public:
  void inc(uint64_t n = 1) { v_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

class gauge {
 public:
  void add(int64_t n) { v_.fetch_add(n, std::memory_order_relaxed); }
  void set(int64_t n) { v_.store(n, std::memory_order_relaxed); }
  int64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> v_{0};
};

// Latency histogram with fixed buckets in seconds.
class histogram {
 public:
  static constexpr std::array<double, 12> bounds = {0.005, 0.01, 0.025, 0.05, 0.1,  0.25,
                                                    0.5,   1.0,  2.5,   5.0,  10.0, 30.0};
  void observe(double seconds);
  void render(std::string& out, const std::string& name) const;
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  // The q-quantile (0 < q < 1) in seconds, interpolated within its bucket as Prometheus's
  // histogram_quantile does; nothing before the first observation. Beyond the last bound: it.
  std::optional<double> quantile(double q) const;

 private:
  std::array<std::atomic<uint64_t>, bounds.size()> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_us_{0};
};

// Counter family with one label set per series, e.g. {endpoint="say",status="200"}.
class labelled_counter {
 public:
  void inc(const std::string& labels, uint64_t n = 1) { series(labels).inc(n); }
  // The series of `labels`, made if new; it lives as long as the family. Hot paths keep it
  // rather than build the labels and take the lock each time.
  counter& series(std::string_view labels);
  uint64_t value(const std::string& labels) const;
  uint64_t total() const;  // over every series
  void render(std::string& out, const std::string& name) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, counter, std::less<>> series_;  // nodes never move: series() hands them out
};

}  // namespace parley
