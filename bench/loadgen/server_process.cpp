#include "bench/loadgen/server_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

namespace parley::bench {

server_process::server_process(const std::vector<std::string>& argv, const std::string& log_path) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    // The child must not inherit the simulators' sockets: a server left behind would keep
    // their ports bound.
    int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (log >= 0) {
      ::dup2(log, 1);
      ::dup2(log, 2);
    }
    ::close_range(3, ~0U, 0);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  if (pid > 0) pid_ = pid;
}

server_process::~server_process() {
  if (pid_ > 0 && status_ < 0) stop(2000);
}

bool server_process::running() {
  if (pid_ <= 0 || status_ >= 0) return false;
  int st = 0;
  if (waitpid(pid_, &st, WNOHANG) != pid_) return true;
  status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return false;
}

proc_reading server_process::read() const {
  proc_reading r;
  if (pid_ <= 0) return r;
  std::ifstream stat("/proc/" + std::to_string(pid_) + "/stat");
  std::string line;
  std::getline(stat, line);
  // Fields after the command name, which is in parentheses and may hold spaces.
  auto close = line.rfind(')');
  if (close != std::string::npos) {
    std::istringstream in(line.substr(close + 2));
    std::string f;
    std::vector<std::string> fields;
    while (in >> f) fields.push_back(f);
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    if (fields.size() > 13) {
      double tck = static_cast<double>(sysconf(_SC_CLK_TCK));
      r.user_seconds = std::stod(fields[11]) / tck;
      r.system_seconds = std::stod(fields[12]) / tck;
      r.cpu_seconds = r.user_seconds + r.system_seconds;
    }
  }
  std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
  while (std::getline(status, line)) {
    auto value = [&](const char* key) {
      return std::stoull(line.substr(std::char_traits<char>::length(key)));
    };
    if (line.rfind("VmRSS:", 0) == 0) r.rss_kb = value("VmRSS:");
    if (line.rfind("VmHWM:", 0) == 0) r.peak_rss_kb = value("VmHWM:");
    if (line.rfind("Threads:", 0) == 0) r.threads = static_cast<int>(value("Threads:"));
  }
  return r;
}

int server_process::stop(int grace_ms) {
  if (pid_ <= 0) return -1;
  if (!running()) return status_;
  kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms);
  while (running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (running()) {
    kill(pid_, SIGKILL);
    int st = 0;
    waitpid(pid_, &st, 0);
    status_ = 128 + SIGKILL;
  }
  return status_;
}

}  // namespace parley::bench
