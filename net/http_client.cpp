#include "net/http_client.hpp"

#include <array>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cerrno>
#include <optional>
#include <unordered_map>
#include <vector>

#include <sys/socket.h>

namespace parley::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t max_idle_per_origin = 64;
constexpr std::size_t max_body_bytes = 16 * 1024 * 1024;
constexpr std::size_t chunk_bytes = 4096;  // one read of a response body

struct connection {
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;

  beast::tcp_stream& tcp() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
};

// RFC 9110 §9.2.2: sending these twice has the effect of sending them once.
bool idempotent(const std::string& method) {
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" || method == "OPTIONS";
}

// Servers close idle keep-alive connections. An idle connection with anything to read (EOF, a
// reset, a TLS close_notify, a 408) was given up by the server. Finding that out before the write
// keeps this common case from failing a POST, which fail_or_retry may not send again.
bool idle_and_open(connection& c) {
  char byte;
  auto n = ::recv(c.tcp().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

bool is_ip_literal(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

struct client_pool {
  client_pool(asio::io_context& io, std::shared_ptr<ssl::context> tls) : io(io), tls(std::move(tls)) {}

  // The most recently used idle connection that is still open; closed ones are dropped.
  std::unique_ptr<connection> take(const std::string& origin) {
    auto it = idle.find(origin);
    if (it == idle.end()) return nullptr;
    while (!it->second.empty()) {
      auto c = std::move(it->second.back());
      it->second.pop_back();
      if (idle_and_open(*c)) return c;
    }
    return nullptr;
  }

  void give(const std::string& origin, std::unique_ptr<connection> c) {
    auto& v = idle[origin];
    if (v.size() < max_idle_per_origin) v.push_back(std::move(c));
  }

  asio::io_context& io;
  std::shared_ptr<ssl::context> tls;
  std::unordered_map<std::string, std::vector<std::unique_ptr<connection>>> idle;
  std::atomic<uint64_t> connects{0};
  std::atomic<uint64_t> reuses{0};
};

class exchange : public std::enable_shared_from_this<exchange> {
 public:
  exchange(std::shared_ptr<client_pool> pool, http_request req, http_client::chunk_fn on_chunk,
           http_client::done_fn done)
      : pool_(std::move(pool)),
        req_(std::move(req)),
        on_chunk_(std::move(on_chunk)),
        done_(std::move(done)),
        resolver_(pool_->io),
        timer_(pool_->io) {}

  asio::io_context& io() { return pool_->io; }

  void start() {
    build_wire();
    arm_timer();
    conn_ = pool_->take(req_.target.origin());
    if (conn_) {
      reused_ = true;
      pool_->reuses.fetch_add(1, std::memory_order_relaxed);
      write();
    } else {
      connect_fresh();
    }
  }

  void cancel() {
    if (finished_) return;
    cancelled_ = true;
    abort_io();
  }

 private:
  template <class F>
  void with_stream(F&& f) {
    if (conn_->tls)
      f(*conn_->tls);
    else
      f(*conn_->plain);
  }

  void build_wire() {
    wire_.method_string(req_.method);
    wire_.target(req_.target.target);
    wire_.version(11);
    auto default_port = req_.target.tls() ? 443 : 80;
    wire_.set(http::field::host,
              req_.target.port == default_port ? req_.target.host : req_.target.authority());
    wire_.set(http::field::user_agent, "parley/0.1");
    for (const auto& h : req_.headers) wire_.set(h.name, h.value);
    if (!req_.body.empty() || req_.method == "POST" || req_.method == "PUT") {
      if (wire_.find(http::field::content_type) == wire_.end())
        wire_.set(http::field::content_type, "application/json");
      wire_.body() = req_.body;
    }
    wire_.keep_alive(true);
    wire_.prepare_payload();
  }

  void arm_timer() {
    timer_.expires_after(req_.timeout);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->finished_) return;
      self->timed_out_ = true;
      self->abort_io();
    });
  }

  void abort_io() {
    resolver_.cancel();
    if (conn_) {
      boost::system::error_code ignored;
      conn_->tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
      conn_->tcp().socket().close(ignored);
    }
  }

  void connect_fresh() {
    reused_ = false;
    conn_ = std::make_unique<connection>();
    if (req_.target.tls())
      conn_->tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(io(), *pool_->tls);
    else
      conn_->plain = std::make_unique<beast::tcp_stream>(io());
    resolver_.async_resolve(
        req_.target.host, std::to_string(req_.target.port),
        [self = shared_from_this()](boost::system::error_code ec, tcp::resolver::results_type r) {
          self->on_resolve(ec, std::move(r));
        });
  }

  void on_resolve(boost::system::error_code ec, tcp::resolver::results_type results) {
    if (ec) return fail(net_errc::resolve, ec);
    conn_->tcp().async_connect(
        results, [self = shared_from_this()](boost::system::error_code ec, const tcp::endpoint&) {
          self->on_connect(ec);
        });
  }

  void on_connect(boost::system::error_code ec) {
    if (ec) return fail(net_errc::connect, ec);
    pool_->connects.fetch_add(1, std::memory_order_relaxed);
    conn_->tcp().socket().set_option(tcp::no_delay(true), ec);
    if (!conn_->tls) return write();
    const auto& host = req_.target.host;
    if (!is_ip_literal(host)) SSL_set_tlsext_host_name(conn_->tls->native_handle(), host.c_str());
    conn_->tls->set_verify_callback(ssl::host_name_verification(host));
    conn_->tls->async_handshake(ssl::stream_base::client,
                                [self = shared_from_this()](boost::system::error_code ec) {
                                  if (ec) return self->fail(net_errc::tls, ec);
                                  self->write();
                                });
  }

  void write() {
    with_stream([this](auto& s) {
      http::async_write(s, wire_, [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
        self->bytes_written_ = n;
        if (ec) return self->fail_or_retry(ec);
        if (self->req_.on_written) self->req_.on_written();
        self->read_header();
      });
    });
  }

  void read_header() {
    parser_.emplace();
    parser_->body_limit(boost::none);
    with_stream([this](auto& s) {
      http::async_read_header(s, buffer_, *parser_,
                              [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                                if (ec) return self->fail_or_retry(ec);
                                self->on_header();
                              });
    });
  }

  void on_header() {
    const auto& head = parser_->get();
    response_.status = static_cast<int>(head.result_int());
    for (const auto& f : head)
      response_.headers.push_back({std::string(f.name_string()), std::string(f.value())});
    streaming_ = on_chunk_ && response_.status >= 200 && response_.status < 300;
    if (parser_->is_done()) return complete();
    read_body();
  }

  void read_body() {
    // Allocated only once a body comes, and small: an exchange in flight used to carry 16 KiB
    // inline, most of a live call's memory under load (heaptrack). Replies and SSE events are
    // far smaller; a big body just takes more reads.
    if (chunk_.empty()) chunk_.resize(chunk_bytes);
    parser_->get().body().data = chunk_.data();
    parser_->get().body().size = chunk_.size();
    with_stream([this](auto& s) {
      http::async_read_some(
          s, buffer_, *parser_,
          [self = shared_from_this()](boost::system::error_code ec, std::size_t) { self->on_body(ec); });
    });
  }

  void on_body(boost::system::error_code ec) {
    if (ec == http::error::need_buffer) ec = {};
    if (ec == ssl::error::stream_truncated || ec == asio::error::eof) {
      // A close-delimited body ends at EOF (and TLS peers often skip close_notify).
      boost::system::error_code eof_ec;
      parser_->put_eof(eof_ec);
      if (!eof_ec) ec = {};
    }
    if (finished_) return;
    if (ec) return fail(net_errc::io, ec);
    std::size_t n = chunk_.size() - parser_->get().body().size;
    if (n > 0) {
      if (streaming_) {
        arm_timer();  // for streams the timeout is the longest gap between bytes
        on_chunk_(std::string_view(chunk_.data(), n));
        if (cancelled_) return;  // the callback may cancel
      } else {
        response_.body.append(chunk_.data(), n);
        if (response_.body.size() > max_body_bytes) {
          finish(net_errc::too_large, "response body over 16 MiB");
          abort_io();
          return;
        }
      }
    }
    if (parser_->is_done()) return complete();
    read_body();
  }

  void complete() {
    bool reusable = parser_->get().keep_alive() && !cancelled_ && !timed_out_;
    if (reusable) pool_->give(req_.target.origin(), std::move(conn_));
    finish(net_errc::none, {});
  }

  // A pooled connection the server closed meanwhile fails before any response byte: send the
  // request once more on a fresh connection. A non-idempotent one only if none of it was
  // written: once written it may have reached the server (the EOF or reset can come after the
  // server read it), and a second POST /say is spoken twice, a second create fails. Callers
  // that know more (the VoIPBIN scheduler knows /stop is safe) retry themselves.
  void fail_or_retry(boost::system::error_code ec) {
    bool safe_to_resend = idempotent(req_.method) || bytes_written_ == 0;
    if (reused_ && safe_to_resend && !retried_ && !cancelled_ && !timed_out_ && !finished_) {
      retried_ = true;
      buffer_.clear();
      connect_fresh();
      return;
    }
    fail(net_errc::io, ec);
  }

  void fail(net_errc kind, boost::system::error_code ec) {
    if (timed_out_) kind = net_errc::timeout;
    if (cancelled_) kind = net_errc::cancelled;
    if (ec.category() == http::make_error_code(http::error::end_of_stream).category() && kind == net_errc::io)
      kind = net_errc::protocol;
    finish(kind, ec.message());
  }

  void finish(net_errc kind, std::string text) {
    if (finished_) return;
    finished_ = true;
    timer_.cancel();
    http_outcome out;
    out.error = kind;
    out.error_text = std::move(text);
    out.response = std::move(response_);
    auto done = std::move(done_);
    on_chunk_ = nullptr;
    if (done) done(std::move(out));
  }

  std::shared_ptr<client_pool> pool_;
  http_request req_;
  http_client::chunk_fn on_chunk_;
  http_client::done_fn done_;
  tcp::resolver resolver_;
  asio::steady_timer timer_;
  http::request<http::string_body> wire_;
  std::unique_ptr<connection> conn_;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::buffer_body>> parser_;
  std::vector<char> chunk_;
  http_response response_;
  std::size_t bytes_written_ = 0;  // of the request, on the current connection
  bool streaming_ = false;
  bool reused_ = false;
  bool retried_ = false;
  bool finished_ = false;
  bool timed_out_ = false;
  bool cancelled_ = false;
};

void request_handle::cancel() const {
  if (auto ex = ex_.lock()) asio::post(ex->io(), [ex] { ex->cancel(); });
}

http_client::http_client(asio::io_context& io, std::shared_ptr<ssl::context> tls)
    : pool_(std::make_shared<client_pool>(io, std::move(tls))) {}

http_client::~http_client() = default;

request_handle http_client::send(http_request request, done_fn done) {
  return stream(std::move(request), nullptr, std::move(done));
}

request_handle http_client::stream(http_request request, chunk_fn on_chunk, done_fn done) {
  auto ex = std::make_shared<exchange>(pool_, std::move(request), std::move(on_chunk), std::move(done));
  asio::post(pool_->io, [ex] { ex->start(); });
  return request_handle{ex};
}

http_client::counters http_client::stats() const {
  return {pool_->connects.load(), pool_->reuses.load()};
}

}  // namespace parley::net
