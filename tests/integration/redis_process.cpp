#include "redis_process.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <thread>

namespace parley::test {

namespace {

// Sends `request` and reads until `expected` has arrived, the server closes, or a second passes.
std::string exchange(int port, const std::string& request, const std::string& expected) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return {};
  timeval tv{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
    char buf[512];
    ssize_t n;
    while (out.find(expected) == std::string::npos && (n = ::recv(fd, buf, sizeof buf, 0)) > 0)
      out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

// RESP array of bulk strings: a password with any byte in it goes through.
std::string resp(std::initializer_list<std::string> args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

}  // namespace

std::string redis_process::binary() {
  if (const char* env = std::getenv("REDIS_SERVER")) return env;
#ifdef REDIS_SERVER_BINARY
  return REDIS_SERVER_BINARY;
#else
  return "/usr/bin/redis-server";
#endif
}

redis_process::redis_process(int port, std::string password)
    : port_(port ? port : free_port()), password_(std::move(password)) {
  running_ = start();
}

redis_process::~redis_process() {
  kill();
}

std::string redis_process::url(int db) const {
  return "redis://127.0.0.1:" + std::to_string(port_) + "/" + std::to_string(db);
}

bool redis_process::start() {
  std::vector<std::string> args = {
      "--port", std::to_string(port_), "--bind", "127.0.0.1", "--save", "", "--appendonly",
      "no",     "--daemonize",         "no",     "--dir",     "/tmp"};
  if (!password_.empty()) {
    args.push_back("--requirepass");
    args.push_back(password_);
  }
  child_ = std::make_unique<child_process>(binary(), args);
  // Up to 30 s: a loaded machine running the sanitizer builds starts processes slowly.
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < end) {
    if (answers_ping()) return true;
    if (child_->wait(std::chrono::milliseconds(1))) return false;  // exited: port taken, bad option
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

bool redis_process::answers_ping() const {
  std::string request = password_.empty() ? "" : resp({"AUTH", password_});
  request += resp({"PING"});
  return exchange(port_, request, "+PONG\r\n").find("+PONG\r\n") != std::string::npos;
}

void redis_process::kill() {
  if (child_) child_->kill();
  running_ = false;
}

bool redis_process::restart() {
  kill();
  running_ = start();
  return running_;
}

std::string redis_process::output() const {
  return child_ ? child_->output() : std::string{};
}

}  // namespace parley::test
