#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <mutex>
#include <thread>

#include "net_fixture.hpp"

using namespace parley;
using parley::test::eventually;
using parley::test::NetTest;

TEST_F(NetTest, RequestAndResponseRoundTrip) {
  auto base = serve([](net::server_request req, std::shared_ptr<net::server_reply> reply) {
    reply->respond({201,
                    {{"Content-Type", "application/json"}, {"X-Path", req.path()}},
                    req.method + " " + req.query("k") + " " + req.body});
  });
  auto req = get(base + "/a/b?k=v%20w");
  req.method = "POST";
  req.body = "{\"x\":1}";
  auto out = fetch(req);
  ASSERT_TRUE(out.ok()) << out.error_text;
  EXPECT_EQ(out.response.status, 201);
  EXPECT_EQ(out.response.body, "POST v w {\"x\":1}");
  EXPECT_EQ(net::find_header(out.response.headers, "x-path"), "/a/b");
}

TEST_F(NetTest, KeepAliveConnectionsAreReused) {
  auto base = serve([](net::server_request, std::shared_ptr<net::server_reply> reply) {
    reply->respond({200, {}, "ok"});
  });
  for (int i = 0; i < 5; ++i) ASSERT_EQ(fetch(get(base + "/")).response.status, 200);
  auto stats = client->stats();
  EXPECT_EQ(stats.connects, 1u);
  EXPECT_EQ(stats.reuses, 4u);
}

namespace {

class ResendTest : public NetTest {
 protected:
  // Answers every request but the second, which it reads in full and then drops (closes the
  // connection unanswered): a server that may have acted on a request before the client lost
  // the connection.
  std::string serve_dropping_the_second() {
    return serve([this](net::server_request req, std::shared_ptr<net::server_reply> reply) {
      std::lock_guard lock{m};
      seen.push_back(req.method);
      if (seen.size() == 2)
        reply->drop();
      else
        reply->respond({200, {}, "ok"});
    });
  }

  std::vector<std::string> methods_seen() {
    std::lock_guard lock{m};
    return seen;
  }

  std::mutex m;
  std::vector<std::string> seen;
};

}  // namespace

TEST_F(ResendTest, APostThatMayHaveReachedTheServerIsNotSentAgain) {
  auto base = serve_dropping_the_second();
  ASSERT_EQ(fetch(get(base + "/")).response.status, 200);  // leaves its connection in the pool
  auto post = get(base + "/speakings/x/say");
  post.method = "POST";
  post.body = "{\"text\":\"hello\"}";
  auto out = fetch(post);
  EXPECT_FALSE(out.ok());
  EXPECT_NE(out.error, net::net_errc::timeout) << out.error_text;
  EXPECT_EQ(methods_seen(), (std::vector<std::string>{"GET", "POST"}));
  EXPECT_EQ(client->stats().reuses, 1u);  // the POST went on the pooled connection
}

TEST_F(ResendTest, AGetIsSentAgainOnAFreshConnection) {
  auto base = serve_dropping_the_second();
  ASSERT_EQ(fetch(get(base + "/")).response.status, 200);
  auto out = fetch(get(base + "/again"));
  ASSERT_TRUE(out.ok()) << out.error_text;
  EXPECT_EQ(out.response.status, 200);
  EXPECT_EQ(methods_seen(), (std::vector<std::string>{"GET", "GET", "GET"}));
  EXPECT_EQ(client->stats().connects, 2u);
}

// A server's keep-alive timeout closes an idle pooled connection: a POST must not be written
// into it (it would fail, and may not be sent again) but go on a fresh one.
TEST_F(NetTest, APooledConnectionTheServerClosedIsNotUsed) {
  std::mutex m;
  std::vector<std::string> seen;
  std::shared_ptr<net::server_reply> first;
  auto base = serve([&](net::server_request req, std::shared_ptr<net::server_reply> reply) {
    std::lock_guard lock{m};
    seen.push_back(req.method);
    if (!first) first = reply;
    reply->respond({200, {}, "ok"});
  });
  ASSERT_EQ(fetch(get(base + "/")).response.status, 200);
  auto idle = [&] {
    std::lock_guard lock{m};
    return first;
  }();
  idle->drop();  // answered already: this only closes the connection
  ASSERT_TRUE(eventually([&] { return idle->closed(); }));
  auto post = get(base + "/speakings");
  post.method = "POST";
  auto out = fetch(post);
  ASSERT_TRUE(out.ok()) << out.error_text;
  EXPECT_EQ(out.response.status, 200);
  std::lock_guard lock{m};
  EXPECT_EQ(seen, (std::vector<std::string>{"GET", "POST"}));
  EXPECT_EQ(client->stats().connects, 2u);
  EXPECT_EQ(client->stats().reuses, 0u);
}

TEST_F(NetTest, ARequestWithoutAnswerTimesOut) {
  std::shared_ptr<net::server_reply> held;  // never answered while the test runs
  auto base = serve([&held](net::server_request, std::shared_ptr<net::server_reply> reply) { held = reply; });
  auto req = get(base + "/slow");
  req.timeout = std::chrono::milliseconds(200);
  auto out = fetch(req);
  EXPECT_EQ(out.error, net::net_errc::timeout);
}

TEST_F(NetTest, ConnectionRefusedIsAnError) {
  auto out = fetch(get("http://127.0.0.1:1/"));
  EXPECT_EQ(out.error, net::net_errc::connect);
}

TEST_F(NetTest, StreamedBodyArrivesInPiecesAndCancelStopsIt) {
  std::promise<std::shared_ptr<net::server_reply>> got;
  auto base = serve([&got](net::server_request, std::shared_ptr<net::server_reply> reply) {
    reply->start_stream(200, {{"Content-Type", "text/event-stream"}});
    reply->write_chunk("data: one\n\n");
    got.set_value(reply);
  });
  std::promise<std::string> first;
  std::promise<net::http_outcome> done;
  std::atomic<int> chunks{0};
  auto handle = client->stream(
      get(base + "/s"),
      [&](std::string_view bytes) {
        if (chunks++ == 0) first.set_value(std::string(bytes));
      },
      [&](net::http_outcome o) { done.set_value(std::move(o)); });
  // The first piece arrives while the server still holds the stream open.
  auto f = first.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(f.get(), "data: one\n\n");
  auto reply = got.get_future().get();
  handle.cancel();
  auto d = done.get_future();
  ASSERT_EQ(d.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(d.get().error, net::net_errc::cancelled);
  reply->write_chunk("data: late\n\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(chunks.load(), 1);
}

TEST_F(NetTest, NonSuccessStreamIsReadWhole) {
  auto base = serve([](net::server_request, std::shared_ptr<net::server_reply> reply) {
    reply->respond({503, {}, "{\"error\":{\"message\":\"busy\"}}"});
  });
  std::promise<net::http_outcome> done;
  std::atomic<int> chunks{0};
  client->stream(
      get(base + "/"), [&](std::string_view) { ++chunks; },
      [&](net::http_outcome o) { done.set_value(std::move(o)); });
  auto out = done.get_future().get();
  EXPECT_TRUE(out.ok());
  EXPECT_EQ(out.response.status, 503);
  EXPECT_EQ(out.response.body, "{\"error\":{\"message\":\"busy\"}}");
  EXPECT_EQ(chunks.load(), 0);
}

TEST_F(NetTest, ServerRefusesOversizedBodies) {
  auto base = serve([](net::server_request, std::shared_ptr<net::server_reply> reply) {
    reply->respond({200, {}, "ok"});
  });
  auto req = get(base + "/");
  req.method = "POST";
  req.body = std::string(10000, 'x');  // the fixture's limit is 4096
  auto out = fetch(req);
  ASSERT_TRUE(out.ok()) << out.error_text;
  EXPECT_EQ(out.response.status, 413);
}

TEST_F(NetTest, ListenReportsAddressInUse) {
  serve([](net::server_request, std::shared_ptr<net::server_reply>) {});
  auto again = net::http_server::listen(io.context(), {"127.0.0.1", server->port()}, {});
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("in use"), std::string::npos) << again.error().message;
}

TEST(ListenAddress, ParsesAndRejects) {
  auto a = net::parse_listen_address("127.0.0.1:9090");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->second, 9090);
  EXPECT_TRUE(net::parse_listen_address("[::1]:80"));
  EXPECT_FALSE(net::parse_listen_address("9090"));
  EXPECT_FALSE(net::parse_listen_address("host:70000"));
  EXPECT_FALSE(net::parse_listen_address("not-an-ip:80"));
}

TEST_F(NetTest, StoppedServerRefusesConnections) {
  auto base = serve([](net::server_request, std::shared_ptr<net::server_reply> reply) {
    reply->respond({200, {}, "ok"});
  });
  server->stop();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto req = get(base + "/");
  req.timeout = std::chrono::milliseconds(2000);
  auto out = fetch(req);
  EXPECT_EQ(out.error, net::net_errc::connect) << out.error_text;
}

// stop() closes the connections still open, whatever came and went before them.
TEST_F(NetTest, StopClosesTheConnectionsStillOpen) {
  serve([](net::server_request, std::shared_ptr<net::server_reply> reply) {
    reply->respond({200, {}, "ok"});
  });
  namespace asio = boost::asio;
  using tcp = asio::ip::tcp;
  asio::io_context cio;
  tcp::endpoint at{asio::ip::make_address("127.0.0.1"), server->port()};
  auto open_one = [&] {
    tcp::socket s{cio};
    s.connect(at);
    return s;
  };
  auto ask = [](tcp::socket& s) {
    asio::write(s, asio::buffer(std::string("GET / HTTP/1.1\r\nHost: x\r\n\r\n")));
    std::string in;
    asio::read_until(s, asio::dynamic_buffer(in), "ok");
  };
  std::vector<tcp::socket> gone;
  for (int i = 0; i < 3; ++i) gone.push_back(open_one());
  auto kept = open_one();
  for (auto& s : gone) ask(s);
  ask(kept);  // answered and kept alive: its session is open now
  for (auto& s : gone) s.close();
  auto late = open_one();
  ask(late);
  server->stop();
  for (auto* s : {&kept, &late}) {
    timeval limit{10, 0};  // a read the server never ends fails with a timeout instead
    ::setsockopt(s->native_handle(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    char byte;
    boost::system::error_code ec;
    s->read_some(asio::buffer(&byte, 1), ec);
    EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
  }
}
