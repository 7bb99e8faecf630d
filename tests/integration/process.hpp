#pragma once
// Runs a program as a child process with its output captured, for tests that exercise the
// real parley binary.

#include <sys/types.h>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace parley::test {

class child_process {
 public:
  child_process(const std::string& program, const std::vector<std::string>& args);
  ~child_process();  // kills the child if it still runs

  // Sends `sig` (e.g. SIGTERM, SIGINT) and returns at once.
  void signal(int sig);
  // Sends SIGTERM and waits; returns the exit code (or 128+signal), nullopt on timeout.
  std::optional<int> terminate(std::chrono::milliseconds limit = std::chrono::seconds(30));
  // Sends SIGKILL (a crash, an OOM kill: nothing is cleaned up) and waits; returns 128+9.
  std::optional<int> kill(std::chrono::milliseconds limit = std::chrono::seconds(10));
  // Waits for exit; nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds limit);
  // Everything the child wrote to stdout and stderr so far.
  std::string output() const;

 private:
  pid_t pid_ = -1;
  std::string log_path_;
  std::optional<int> status_;
};

// A TCP port on 127.0.0.1 that was free a moment ago.
int free_port();

// GET http://127.0.0.1:port/path with a plain socket; returns the body ("" on failure).
std::string http_get(int port, const std::string& path);

// GET http://127.0.0.1:port/path; the status (0 on failure) and the body.
struct http_answer {
  int status = 0;
  std::string body;
  bool operator==(const http_answer&) const = default;
};
http_answer http_fetch(int port, const std::string& path);

// Sends one request with a plain socket; the status (0 on failure) and the body.
http_answer http_send(int port, const std::string& method, const std::string& path, const std::string& body = {},
                      const std::vector<std::pair<std::string, std::string>>& headers = {});

// Sends one request with a plain socket; returns the response status (0 on failure).
int http_status(int port, const std::string& method, const std::string& path, const std::string& body,
                const std::vector<std::pair<std::string, std::string>>& headers = {});

}  // namespace parley::test
