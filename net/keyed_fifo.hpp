#pragma once
// A FIFO whose items may carry a key, so that every item of one key can be taken out in
// O(items taken): the scheduler's /say queue, where a flush drops its own session's texts
// without walking every other session's.

#include <deque>
#include <iterator>
#include <list>
#include <string>
#include <unordered_map>
#include <vector>

namespace parley::net {

template <class T>
class keyed_fifo {
 public:
  bool empty() const { return items_.empty(); }
  std::size_t size() const { return items_.size(); }

  // An empty key is not indexed: take() never returns the item.
  void push_back(std::string key, T value) {
    items_.push_back({std::move(key), std::move(value)});
    if (!items_.back().key.empty()) index_[items_.back().key].push_back(std::prev(items_.end()));
  }
  void push_front(std::string key, T value) {
    items_.push_front({std::move(key), std::move(value)});
    if (!items_.front().key.empty()) index_[items_.front().key].push_front(items_.begin());
  }

  // Not empty. The front item is also the oldest of its key, so its index entry is the
  // first of the key's.
  T pop_front() {
    auto& e = items_.front();
    if (!e.key.empty()) {
      auto it = index_.find(e.key);
      it->second.pop_front();
      if (it->second.empty()) index_.erase(it);
    }
    T out = std::move(e.value);
    items_.pop_front();
    return out;
  }

  // Every item of `key`, in queue order.
  std::vector<T> take(const std::string& key) {
    std::vector<T> out;
    auto it = index_.find(key);
    if (it == index_.end()) return out;
    for (auto pos : it->second) {
      out.push_back(std::move(pos->value));
      items_.erase(pos);
    }
    index_.erase(it);
    return out;
  }

 private:
  struct entry {
    std::string key;
    T value;
  };
  using position = typename std::list<entry>::iterator;
  std::list<entry> items_;
  std::unordered_map<std::string, std::deque<position>> index_;  // key -> its items, in queue order
};

}  // namespace parley::net
