#pragma once
// A real redis-server (Debian's) on loopback for the tests of cluster mode and its client:
// no persistence, a free port, optionally a password. Killed with the object.

#include <memory>
#include <string>

#include "process.hpp"

namespace parley::test {

class redis_process {
 public:
  // Starts redis-server on `port` (0: a free one) and waits until it answers PING.
  explicit redis_process(int port = 0, std::string password = {});
  ~redis_process();
  redis_process(const redis_process&) = delete;
  redis_process& operator=(const redis_process&) = delete;

  // It answered PING (after AUTH when it has a password).
  bool running() const { return running_; }
  int port() const { return port_; }
  // redis://127.0.0.1:port/db
  std::string url(int db = 0) const;
  // SIGKILL, as a crash: open connections are reset. Returns once it has exited.
  void kill();
  // Starts it again on the same port (after kill()); true once it answers PING.
  bool restart();
  // What redis-server printed, for failure messages.
  std::string output() const;

  // The path of redis-server, from REDIS_SERVER (CMake found it) or the PATH.
  static std::string binary();

 private:
  bool start();
  bool answers_ping() const;

  int port_ = 0;
  std::string password_;
  std::unique_ptr<child_process> child_;
  bool running_ = false;
};

}  // namespace parley::test
