#pragma once
// The server under load: started as a child process, read from /proc while it runs, stopped
// with SIGTERM at the end.

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace parley::bench {

struct proc_reading {
  double cpu_seconds = 0;  // user + system, the process and all its threads
  double user_seconds = 0;
  double system_seconds = 0;
  std::uint64_t rss_kb = 0;       // VmRSS
  std::uint64_t peak_rss_kb = 0;  // VmHWM
  int threads = 0;
};

class server_process {
 public:
  // Starts `argv` with stdout and stderr going to `log_path` and no other descriptor of ours.
  // pid() <= 0 means it could not fork; a program that cannot run exits 127 at once.
  server_process(const std::vector<std::string>& argv, const std::string& log_path);
  ~server_process();  // kills it if still running
  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  proc_reading read() const;
  // SIGTERM, then waits up to `grace_ms` before SIGKILL. Returns the exit status (128 + signal
  // when it was killed by one).
  int stop(int grace_ms);

 private:
  pid_t pid_ = 0;
  int status_ = -1;
};

}  // namespace parley::bench
