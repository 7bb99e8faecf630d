#include "net/ws_client.hpp"

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>
#include <random>

namespace parley::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

std::chrono::milliseconds backoff_delay(std::chrono::milliseconds initial, std::chrono::milliseconds cap,
                                        int failures, double jitter) {
  double ms = static_cast<double>(initial.count());
  for (int i = 1; i < failures && ms < static_cast<double>(cap.count()); ++i) ms *= 2;
  ms = std::min(ms, static_cast<double>(cap.count()));
  jitter = std::clamp(jitter, 0.5, 1.0);
  return std::chrono::milliseconds(static_cast<long long>(ms * jitter));
}

struct ws_client::session : std::enable_shared_from_this<session> {
  using plain_ws = websocket::stream<beast::tcp_stream>;
  using tls_ws = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

  session(asio::io_context& io, std::shared_ptr<ssl::context> tls, ws_options o, ws_callbacks cb)
      : io(io),
        tls(std::move(tls)),
        opts(std::move(o)),
        cb(std::move(cb)),
        resolver(io),
        timer(io),
        rng(std::random_device{}()) {}

  template <class F>
  void with_ws(F&& f) {
    if (wss)
      f(*wss);
    else
      f(*ws);
  }
  beast::tcp_stream& lowest() { return wss ? beast::get_lowest_layer(*wss) : beast::get_lowest_layer(*ws); }

  void connect() {
    if (stopped) return;
    ++generation;
    open = false;
    writing = false;
    queue.clear();
    buffer.clear();
    if (opts.target.tls()) {
      ws.reset();
      wss = std::make_unique<tls_ws>(io, *tls);
    } else {
      wss.reset();
      ws = std::make_unique<plain_ws>(io);
    }
    auto gen = generation;
    resolver.async_resolve(
        opts.target.host, std::to_string(opts.target.port),
        [self = shared_from_this(), gen](boost::system::error_code ec, tcp::resolver::results_type r) {
          if (gen != self->generation) return;
          if (ec) return self->lost("resolve: " + ec.message());
          self->on_resolve(std::move(r));
        });
  }

  void on_resolve(tcp::resolver::results_type results) {
    auto gen = generation;
    lowest().expires_after(std::chrono::seconds(10));
    lowest().async_connect(
        results, [self = shared_from_this(), gen](boost::system::error_code ec, const tcp::endpoint&) {
          if (gen != self->generation) return;
          if (ec) return self->lost("connect: " + ec.message());
          if (!self->wss) return self->ws_handshake();
          const auto& host = self->opts.target.host;
          boost::system::error_code ip_ec;
          asio::ip::make_address(host, ip_ec);
          if (ip_ec) SSL_set_tlsext_host_name(self->wss->next_layer().native_handle(), host.c_str());
          self->wss->next_layer().set_verify_callback(ssl::host_name_verification(host));
          self->wss->next_layer().async_handshake(ssl::stream_base::client,
                                                  [self, gen](boost::system::error_code ec) {
                                                    if (gen != self->generation) return;
                                                    if (ec) return self->lost("tls: " + ec.message());
                                                    self->ws_handshake();
                                                  });
        });
  }

  void ws_handshake() {
    auto gen = generation;
    lowest().expires_never();
    with_ws([&](auto& s) {
      websocket::stream_base::timeout t{};
      t.handshake_timeout = std::chrono::seconds(10);
      t.idle_timeout = opts.idle_timeout;
      t.keep_alive_pings = true;
      s.set_option(t);
      s.read_message_max(opts.max_frame);
      s.set_option(websocket::stream_base::decorator([h = opts.headers](websocket::request_type& req) {
        req.set(beast::http::field::user_agent, "parley/0.1");
        for (const auto& x : h) req.set(x.name, x.value);
      }));
      upgrade_response = {};
      s.async_handshake(upgrade_response, opts.target.authority(), opts.target.target,
                        [self = shared_from_this(), gen](boost::system::error_code ec) {
                          if (gen != self->generation) return;
                          if (ec == websocket::error::upgrade_declined) return self->declined();
                          if (ec) return self->lost("handshake: " + ec.message());
                          self->failures = 0;
                          self->open = true;
                          if (self->cb.on_open) self->cb.on_open();
                          self->read();
                        });
    });
  }

  // The server answered the upgrade with a plain HTTP response: say which.
  void declined() {
    auto status = upgrade_response.result_int();
    std::string reason(upgrade_response.reason());
    if (cb.on_refused) cb.on_refused(static_cast<int>(status));
    lost("handshake: declined with HTTP " + std::to_string(status) + (reason.empty() ? "" : " " + reason));
  }

  void read() {
    auto gen = generation;
    with_ws([&](auto& s) {
      s.async_read(buffer, [self = shared_from_this(), gen](boost::system::error_code ec, std::size_t) {
        if (gen != self->generation) return;
        if (ec) return self->lost("read: " + ec.message());
        auto text = beast::buffers_to_string(self->buffer.data());
        self->buffer.consume(self->buffer.size());
        if (self->cb.on_message) self->cb.on_message(std::move(text));
        if (gen == self->generation) self->read();
      });
    });
  }

  void enqueue(std::string text) {
    if (!open || stopped) return;
    if (queue.size() >= opts.max_queue) return;
    queue.push_back(std::move(text));
    if (!writing) write_next();
  }

  void write_next() {
    if (queue.empty()) {
      writing = false;
      return;
    }
    writing = true;
    auto gen = generation;
    with_ws([&](auto& s) {
      s.text(true);
      s.async_write(asio::buffer(queue.front()),
                    [self = shared_from_this(), gen](boost::system::error_code ec, std::size_t) {
                      if (gen != self->generation) return;
                      if (ec) return self->lost("write: " + ec.message());
                      self->queue.pop_front();
                      self->write_next();
                    });
    });
  }

  void lost(const std::string& why) {
    bool was_open = open;
    open = false;
    ++generation;  // late completions of this connection are ignored
    boost::system::error_code ignored;
    if (ws || wss) lowest().socket().close(ignored);
    if (stopped) return;
    ++failures;
    std::uniform_real_distribution<double> jitter(0.5, 1.0);
    auto delay = backoff_delay(opts.initial_backoff, opts.max_backoff, failures, jitter(rng));
    if (cb.on_close) cb.on_close(was_open ? "connection lost: " + why : "connect failed: " + why, delay);
    timer.expires_after(delay);
    timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->connect();
    });
  }

  void shutdown() {
    if (stopped) return;
    stopped = true;
    ++generation;
    timer.cancel();
    resolver.cancel();
    if ((ws || wss) && open) {
      // Best effort close frame; the socket goes away with the session either way.
      with_ws([&](auto& s) {
        s.async_close(websocket::close_code::going_away,
                      [self = shared_from_this()](boost::system::error_code) {});
      });
    } else if (ws || wss) {
      boost::system::error_code ignored;
      lowest().socket().close(ignored);
    }
    open = false;
  }

  asio::io_context& io;
  std::shared_ptr<ssl::context> tls;
  ws_options opts;
  ws_callbacks cb;
  tcp::resolver resolver;
  asio::steady_timer timer;
  std::mt19937 rng;
  std::unique_ptr<plain_ws> ws;
  std::unique_ptr<tls_ws> wss;
  beast::flat_buffer buffer;
  websocket::response_type upgrade_response;  // read during the handshake
  std::deque<std::string> queue;
  uint64_t generation = 0;
  int failures = 0;
  bool open = false;
  bool writing = false;
  bool stopped = false;
};

ws_client::ws_client(asio::io_context& io, std::shared_ptr<ssl::context> tls, ws_options options,
                     ws_callbacks callbacks)
    : s_(std::make_shared<session>(io, std::move(tls), std::move(options), std::move(callbacks))) {}

ws_client::~ws_client() {
  stop();
}

void ws_client::start() {
  asio::post(s_->io, [s = s_] { s->connect(); });
}

void ws_client::send(std::string text) {
  asio::post(s_->io, [s = s_, t = std::move(text)]() mutable { s->enqueue(std::move(t)); });
}

void ws_client::stop() {
  asio::post(s_->io, [s = s_] { s->shutdown(); });
}

}  // namespace parley::net
