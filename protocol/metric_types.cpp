#include "protocol/metric_types.hpp"

#include <cstdio>

namespace parley {

void histogram::observe(double seconds) {
  for (std::size_t i = 0; i < bounds.size(); ++i)
    if (seconds <= bounds[i]) buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_us_.fetch_add(static_cast<uint64_t>(seconds * 1e6), std::memory_order_relaxed);
}

std::optional<double> histogram::quantile(double q) const {
  auto n = count_.load(std::memory_order_relaxed);
  if (n == 0) return std::nullopt;
  double rank = q * static_cast<double>(n);
  double lower = 0, below = 0;
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    auto in = static_cast<double>(buckets_[i].load(std::memory_order_relaxed));
    if (in >= rank) return lower + (bounds[i] - lower) * (in > below ? (rank - below) / (in - below) : 1.0);
    lower = bounds[i];
    below = in;
  }
  return bounds.back();
}

void histogram::render(std::string& out, const std::string& name) const {
  out += "# TYPE " + name + " histogram\n";
  char buf[64];
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%g", bounds[i]);
    out += name + "_bucket{le=\"" + buf + "\"} " +
           std::to_string(buckets_[i].load(std::memory_order_relaxed)) + "\n";
  }
  auto n = count_.load(std::memory_order_relaxed);
  out += name + "_bucket{le=\"+Inf\"} " + std::to_string(n) + "\n";
  std::snprintf(buf, sizeof buf, "%.6f", sum_us_.load(std::memory_order_relaxed) / 1e6);
  out += name + "_sum " + buf + "\n";
  out += name + "_count " + std::to_string(n) + "\n";
}

counter& labelled_counter::series(std::string_view labels) {
  std::lock_guard lock{mutex_};
  auto it = series_.find(labels);
  if (it == series_.end()) it = series_.try_emplace(std::string(labels)).first;
  return it->second;
}

uint64_t labelled_counter::total() const {
  std::lock_guard lock{mutex_};
  uint64_t n = 0;
  for (const auto& [_, v] : series_) n += v.value();
  return n;
}

uint64_t labelled_counter::value(const std::string& labels) const {
  std::lock_guard lock{mutex_};
  auto it = series_.find(labels);
  return it == series_.end() ? 0 : it->second.value();
}

void labelled_counter::render(std::string& out, const std::string& name) const {
  out += "# TYPE " + name + " counter\n";
  std::lock_guard lock{mutex_};
  for (const auto& [labels, v] : series_)
    out += name + "{" + labels + "} " + std::to_string(v.value()) + "\n";
}

}  // namespace parley
