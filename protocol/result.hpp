#pragma once
// Errors as values at layer boundaries: every parser and codec in protocol/ returns a
// result<T> instead of throwing.

#include <string>
#include <utility>
#include <variant>

namespace parley {

struct failure {
  std::string message;
};

template <class T>
class result {
 public:
  result(T value) : v_(std::move(value)) {}
  result(failure f) : v_(std::move(f)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const failure& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, failure> v_;
};

inline failure fail(std::string message) {
  return failure{std::move(message)};
}

}  // namespace parley
