#pragma once
// A running io thread plus helpers to wait for callbacks that complete on it.

#include <gtest/gtest.h>

#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <thread>

#include "net/http_client.hpp"
#include "net/http_server.hpp"
#include "net/io_runtime.hpp"
#include "net/tls_context.hpp"

namespace parley::test {

// Waits for `p` with a generous deadline; true once it holds.
template <class Pred>
bool eventually(Pred p, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (p()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return p();
}

class NetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tls = net::make_client_tls_context({}).value();
    client = std::make_unique<net::http_client>(io.context(), tls);
    io.start();
  }
  void TearDown() override {
    if (server) server->stop();
    io.stop();
  }

  // Serves `handler` on a free loopback port and returns its base URL.
  std::string serve(net::request_handler handler, net::upgrade_handler upgrade = {}) {
    auto s = net::http_server::listen(io.context(), {"127.0.0.1", 0, 4096}, std::move(handler),
                                      std::move(upgrade));
    EXPECT_TRUE(s) << s.error().message;
    server = *s;
    return "http://127.0.0.1:" + std::to_string(server->port());
  }

  net::http_outcome fetch(net::http_request req) {
    std::promise<net::http_outcome> p;
    client->send(std::move(req), [&p](net::http_outcome o) { p.set_value(std::move(o)); });
    auto f = p.get_future();
    EXPECT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    return f.get();
  }

  static net::http_request get(const std::string& u) {
    net::http_request r;
    r.target = parse_url(u).value();
    return r;
  }

  net::io_runtime io{1};
  std::shared_ptr<boost::asio::ssl::context> tls;
  std::unique_ptr<net::http_client> client;
  std::shared_ptr<net::http_server> server;
};

}  // namespace parley::test
