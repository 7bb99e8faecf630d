#pragma once
// The io_context that owns every socket, and the thread(s) that run it (DESIGN §2).

#include <memory>

namespace boost::asio {
class io_context;
}

namespace parley::net {

class io_runtime {
 public:
  // More than one thread races: connections and the VoIPBIN scheduler have no locks or strands.
  explicit io_runtime(int threads = 1);
  ~io_runtime();  // stops and joins
  io_runtime(const io_runtime&) = delete;
  io_runtime& operator=(const io_runtime&) = delete;

  boost::asio::io_context& context();
  void start();
  // Stops the loop and joins the threads; pending handlers are dropped.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace parley::net
