#include <atomic>
#include <mutex>
#include <thread>

#include "net/ws_client.hpp"
#include "net_fixture.hpp"

using namespace parley;
using parley::test::eventually;
using parley::test::NetTest;

TEST(Backoff, DoublesToTheCapWithJitter) {
  using ms = std::chrono::milliseconds;
  EXPECT_EQ(net::backoff_delay(ms(1000), ms(30000), 1, 1.0), ms(1000));
  EXPECT_EQ(net::backoff_delay(ms(1000), ms(30000), 2, 1.0), ms(2000));
  EXPECT_EQ(net::backoff_delay(ms(1000), ms(30000), 5, 1.0), ms(16000));
  EXPECT_EQ(net::backoff_delay(ms(1000), ms(30000), 6, 1.0), ms(30000));
  EXPECT_EQ(net::backoff_delay(ms(1000), ms(30000), 60, 1.0), ms(30000));
  EXPECT_EQ(net::backoff_delay(ms(1000), ms(30000), 2, 0.5), ms(1000));
}

TEST_F(NetTest, WebSocketExchangesFramesAndReconnects) {
  std::mutex m;
  std::vector<std::shared_ptr<net::ws_peer>> peers;
  std::vector<std::string> server_got;
  std::atomic<int> upgrades{0};
  auto base = serve(
      [](net::server_request, std::shared_ptr<net::server_reply> r) {
        r->respond({404, {}, ""});
      },
      [&](const net::server_request& req,
          std::shared_ptr<net::ws_peer> peer) -> std::variant<net::ws_peer_callbacks, net::http_response> {
        if (req.query("key") != "k") return net::http_response{401, {}, "no"};
        ++upgrades;
        std::lock_guard lock{m};
        peers.push_back(peer);
        net::ws_peer_callbacks cb;
        // Weak: the session holds its callbacks, which must not hold the session.
        cb.on_message = [&, weak = std::weak_ptr<net::ws_peer>(peer)](std::string t) {
          std::lock_guard lock{m};
          server_got.push_back(t);
          if (auto p = weak.lock()) p->send("echo:" + t);
        };
        return cb;
      });
  std::atomic<int> opens{0}, closes{0};
  std::vector<std::string> client_got;
  net::ws_options o;
  o.target = parse_url("ws://127.0.0.1:" + std::to_string(server->port()) + "/ws?key=k").value();
  o.initial_backoff = std::chrono::milliseconds(50);
  std::shared_ptr<net::ws_client> ws;
  net::ws_callbacks cb;
  cb.on_open = [&] {
    ++opens;
    ws->send("hello " + std::to_string(opens.load()));
  };
  cb.on_message = [&](std::string t) {
    std::lock_guard lock{m};
    client_got.push_back(t);
  };
  cb.on_close = [&](const std::string&, std::chrono::milliseconds) { ++closes; };
  ws = std::make_shared<net::ws_client>(io.context(), tls, o, cb);
  ws->start();
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock{m};
    return client_got.size() == 1;
  }));
  EXPECT_EQ(client_got[0], "echo:hello 1");

  // The server drops the connection: the client comes back and says hello again.
  {
    std::lock_guard lock{m};
    peers.back()->close();
  }
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock{m};
    return client_got.size() == 2;
  }));
  EXPECT_EQ(client_got[1], "echo:hello 2");
  EXPECT_GE(closes.load(), 1);
  EXPECT_EQ(upgrades.load(), 2);
  ws->stop();
}

TEST_F(NetTest, WebSocketRefusedUpgradeIsRetried) {
  std::atomic<int> attempts{0};
  serve(
      [](net::server_request, std::shared_ptr<net::server_reply> r) {
        r->respond({404, {}, ""});
      },
      [&](const net::server_request&,
          std::shared_ptr<net::ws_peer>) -> std::variant<net::ws_peer_callbacks, net::http_response> {
        ++attempts;
        return net::http_response{401, {}, "no"};
      });
  std::atomic<int> opens{0};
  net::ws_options o;
  o.target = parse_url("ws://127.0.0.1:" + std::to_string(server->port()) + "/ws").value();
  o.initial_backoff = std::chrono::milliseconds(20);
  o.max_backoff = std::chrono::milliseconds(40);
  net::ws_callbacks cb;
  cb.on_open = [&] { ++opens; };
  // The io thread may still report a retry while the test ends: what it writes outlives both.
  auto last = std::make_shared<std::pair<std::mutex, std::string>>();
  auto close_count = std::make_shared<std::atomic<int>>(0);
  auto refusal = std::make_shared<std::atomic<int>>(0);
  cb.on_close = [close_count, last](const std::string& why, std::chrono::milliseconds) {
    std::lock_guard lock{last->first};
    last->second = why;
    ++*close_count;
  };
  cb.on_refused = [refusal](int status) { *refusal = status; };
  auto ws = std::make_shared<net::ws_client>(io.context(), tls, o, cb);
  ws->start();
  EXPECT_TRUE(eventually([&] { return attempts.load() >= 3 && close_count->load() >= 2; }));
  EXPECT_EQ(opens.load(), 0);
  // The refusal carries its HTTP status (401: bad credentials), not only "declined".
  EXPECT_EQ(refusal->load(), 401);
  {
    std::lock_guard lock{last->first};
    EXPECT_NE(last->second.find("declined with HTTP 401"), std::string::npos) << last->second;
  }
  ws->stop();
}

TEST_F(NetTest, WebSocketOversizedFrameDropsTheConnectionNotTheProcess) {
  std::mutex m;
  std::shared_ptr<net::ws_peer> peer;
  serve(
      [](net::server_request, std::shared_ptr<net::server_reply> r) {
        r->respond({404, {}, ""});
      },
      [&](const net::server_request&,
          std::shared_ptr<net::ws_peer> p) -> std::variant<net::ws_peer_callbacks, net::http_response> {
        std::lock_guard lock{m};
        peer = p;
        return net::ws_peer_callbacks{};
      });
  std::atomic<int> opens{0}, messages{0};
  std::mutex rm;
  std::string reason;
  net::ws_options o;
  o.target = parse_url("ws://127.0.0.1:" + std::to_string(server->port()) + "/ws").value();
  o.initial_backoff = std::chrono::milliseconds(20);
  o.max_frame = 64 * 1024;
  net::ws_callbacks cb;
  cb.on_open = [&] { ++opens; };
  cb.on_message = [&](std::string) { ++messages; };
  cb.on_close = [&](const std::string& why, std::chrono::milliseconds) {
    std::lock_guard lock{rm};
    if (reason.empty()) reason = why;
  };
  auto ws = std::make_shared<net::ws_client>(io.context(), tls, o, cb);
  ws->start();
  ASSERT_TRUE(eventually([&] { return opens.load() == 1; }));
  {
    std::lock_guard lock{m};
    peer->send(std::string(100 * 1024, 'x'));  // over max_frame
  }
  EXPECT_TRUE(eventually([&] { return opens.load() == 2; }));  // dropped, then back
  EXPECT_EQ(messages.load(), 0);
  std::lock_guard lock{rm};
  EXPECT_NE(reason.find("exceeded the locally configured limit"), std::string::npos) << reason;
  ws->stop();
}
