#include "process.hpp"

#include <random>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace parley::test {

child_process::child_process(const std::string& program, const std::vector<std::string>& args) {
  static int counter = 0;
  log_path_ = "/tmp/parley-child-" + std::to_string(::getpid()) + "-" + std::to_string(++counter) + ".log";
  // Everything the child needs is allocated before fork: the simulators' threads may hold the
  // allocator's lock at that moment, and a child that allocates then hangs before exec (seen
  // under ASan on a busy machine: parley "never started").
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(program.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ == 0) {
    int fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    // Sockets of this process (the simulators' listeners) must not live on in the child.
    ::close_range(3, ~0U, 0);
    ::execv(program.c_str(), argv.data());
    std::_Exit(127);
  }
}

child_process::~child_process() {
  if (pid_ > 0 && !status_) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  ::unlink(log_path_.c_str());
}

std::optional<int> child_process::wait(std::chrono::milliseconds limit) {
  if (status_) return status_;
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) {
      status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      return status_;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::nullopt;
}

void child_process::signal(int sig) {
  if (!status_) ::kill(pid_, sig);
}

std::optional<int> child_process::terminate(std::chrono::milliseconds limit) {
  if (!status_) ::kill(pid_, SIGTERM);
  return wait(limit);
}

std::optional<int> child_process::kill(std::chrono::milliseconds limit) {
  if (!status_) ::kill(pid_, SIGKILL);
  return wait(limit);
}

std::string child_process::output() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int free_port() {
  // Below the kernel's ephemeral range (32768-60999 here): a port picked there could be taken
  // by any outgoing connection before the server under test binds it, and these tests open
  // many. Random, so concurrent test processes rarely pick the same one; checked by binding.
  static std::mt19937 rng{std::random_device{}()};
  std::uniform_int_distribution<int> pick(20000, 32000);
  for (int tries = 0; tries < 1000; ++tries) {
    int port = pick(rng);
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    if (ok) return port;
  }
  return 0;
}

namespace {

std::string exchange(int port, const std::string& request) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return {};
  }
  for (std::size_t sent = 0; sent < request.size();) {
    auto n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

}  // namespace

std::string http_get(int port, const std::string& path) {
  auto out = exchange(port, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  auto body = out.find("\r\n\r\n");
  return body == std::string::npos ? std::string{} : out.substr(body + 4);
}

http_answer http_fetch(int port, const std::string& path) {
  auto out = exchange(port, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  auto body = out.find("\r\n\r\n");
  if (out.rfind("HTTP/1.1 ", 0) != 0 || body == std::string::npos) return {};
  return {std::atoi(out.c_str() + 9), out.substr(body + 4)};
}

http_answer http_send(int port, const std::string& method, const std::string& path, const std::string& body,
                      const std::vector<std::pair<std::string, std::string>>& headers) {
  std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  auto out = exchange(port, req);
  auto at = out.find("\r\n\r\n");
  if (out.rfind("HTTP/1.1 ", 0) != 0 || at == std::string::npos) return {};
  return {std::atoi(out.c_str() + 9), out.substr(at + 4)};
}

int http_status(int port, const std::string& method, const std::string& path, const std::string& body,
                const std::vector<std::pair<std::string, std::string>>& headers) {
  return http_send(port, method, path, body, headers).status;
}

}  // namespace parley::test
