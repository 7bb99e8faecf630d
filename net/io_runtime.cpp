#include "net/io_runtime.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <optional>
#include <thread>
#include <vector>

namespace parley::net {

struct io_runtime::impl {
  explicit impl(int n) : threads(n < 1 ? 1 : n), io(threads) {}
  int threads;
  boost::asio::io_context io;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guard;
  std::vector<std::thread> workers;
};

io_runtime::io_runtime(int threads) : impl_(std::make_unique<impl>(threads)) {}

io_runtime::~io_runtime() {
  stop();
}

boost::asio::io_context& io_runtime::context() {
  return impl_->io;
}

void io_runtime::start() {
  if (!impl_->workers.empty()) return;
  impl_->guard.emplace(impl_->io.get_executor());
  for (int i = 0; i < impl_->threads; ++i) impl_->workers.emplace_back([this] { impl_->io.run(); });
}

void io_runtime::stop() {
  impl_->guard.reset();
  impl_->io.stop();
  for (auto& t : impl_->workers)
    if (t.joinable()) t.join();
  impl_->workers.clear();
}

}  // namespace parley::net
