#include "protocol/rest_request_counter.hpp"

namespace parley {

const rest_request_counter::endpoint* rest_request_counter::find(const voipbin::rest_request& r,
                                                                 uint64_t hash) const {
  for (std::size_t i = 0; i < slots; ++i) {
    auto* e = table_[(hash + i) % slots].load(std::memory_order_acquire);
    if (!e) return nullptr;
    if (e->hash == hash && voipbin::has_endpoint_label(r, e->label)) return e;
  }
  return nullptr;
}

const rest_request_counter::endpoint& rest_request_counter::of(const voipbin::rest_request& r) {
  auto hash = voipbin::endpoint_hash(r);
  if (auto* e = find(r, hash)) return *e;
  return add(r, hash);
}

const rest_request_counter::endpoint& rest_request_counter::add(const voipbin::rest_request& r,
                                                                uint64_t hash) {
  std::lock_guard lock{mutex_};
  if (auto* e = find(r, hash)) return *e;  // added meanwhile
  auto label = voipbin::endpoint_label(r);
  if (auto it = overflow_.find(label); it != overflow_.end()) return *it->second;
  auto& e = *owned_.emplace_back(std::make_unique<endpoint>());
  e.label = std::move(label);
  e.hash = hash;
  if (owned_.size() > cached) {
    overflow_.emplace(e.label, &e);
    return e;
  }
  // Fewer than `slots` are taken: a free slot is on the way, after any with this hash.
  for (std::size_t i = 0;; ++i) {
    auto& slot = table_[(hash + i) % slots];
    if (!slot.load(std::memory_order_relaxed)) {
      slot.store(&e, std::memory_order_release);
      return e;
    }
  }
}

counter& rest_request_counter::series(const endpoint& e, std::string_view status) {
  std::string labels = "endpoint=\"";
  labels += e.label;
  labels += "\",status=\"";
  labels += status;
  labels += '"';
  return family_.series(labels);  // the same series for everyone who asks
}

void rest_request_counter::inc(const endpoint& e, int status) {
  if (status < 0 || static_cast<std::size_t>(status) >= e.by_status.size())
    return series(e, std::to_string(status)).inc();
  auto& slot = e.by_status[status];
  auto* c = slot.load(std::memory_order_acquire);
  if (!c) {
    c = &series(e, std::to_string(status));
    slot.store(c, std::memory_order_release);
  }
  c->inc();
}

void rest_request_counter::inc_error(const endpoint& e, unsigned code, std::string_view name) {
  if (code >= e.by_error.size()) return series(e, name).inc();
  auto& slot = e.by_error[code];
  auto* c = slot.load(std::memory_order_acquire);
  if (!c) {
    c = &series(e, name);
    slot.store(c, std::memory_order_release);
  }
  c->inc();
}

}  // namespace parley
