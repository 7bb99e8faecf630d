#include "net/http_server.hpp"

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <charconv>
#include <deque>
#include <mutex>
#include <unordered_map>

namespace parley::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      unsigned v = 0;
      auto [p, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
      if (ec == std::errc{} && p == s.data() + i + 3) {
        out += static_cast<char>(v);
        i += 2;
        continue;
      }
    }
    out += s[i] == '+' ? ' ' : s[i];
  }
  return out;
}

std::string status_line(int status) {
  auto reason = http::obsolete_reason(http::int_to_status(static_cast<unsigned>(status)));
  return "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) + "\r\n";
}

std::string serialize_head(int status, const http_headers& headers, bool keep_alive) {
  std::string out = status_line(status);
  for (const auto& h : headers) out += h.name + ": " + h.value + "\r\n";
  out += keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
  return out;
}

}  // namespace

std::string server_request::query(std::string_view key) const {
  auto q = target.find('?');
  if (q == std::string::npos) return {};
  std::string_view rest(target);
  rest.remove_prefix(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    auto pair = rest.substr(0, amp);
    auto eq = pair.find('=');
    if (percent_decode(pair.substr(0, eq)) == key)
      return eq == std::string_view::npos ? std::string{} : percent_decode(pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return {};
}

result<std::pair<std::string, uint16_t>> parse_listen_address(std::string_view text) {
  auto hp = parse_host_port(text);
  if (!hp) return hp.error();
  boost::system::error_code ec;
  asio::ip::make_address(hp->host, ec);
  if (ec) return fail("host '" + hp->host + "' is not an IP address");
  return std::pair{hp->host, hp->port};
}

class connection_set;

// An open connection. It leaves its connection_set when destroyed.
class closable {
 public:
  virtual ~closable();
  virtual void close_now() = 0;

 private:
  friend class connection_set;
  std::weak_ptr<connection_set> set_;
  uint64_t id_ = 0;
};

// The server's open connections, for stop() to close them all. Joining and leaving are O(1):
// an accept never walks the other connections. Connections end on any thread (a reply object
// may hold the last reference), hence the mutex.
class connection_set : public std::enable_shared_from_this<connection_set> {
 public:
  void add(const std::shared_ptr<closable>& c) {
    std::lock_guard lock{mutex_};
    c->set_ = weak_from_this();
    c->id_ = ++next_id_;
    live_.emplace(c->id_, c);
  }
  void remove(uint64_t id) {
    std::lock_guard lock{mutex_};
    live_.erase(id);
  }
  // Closes every connection open now; on the io thread.
  void close_all() {
    std::unordered_map<uint64_t, std::weak_ptr<closable>> live;
    {
      std::lock_guard lock{mutex_};
      live.swap(live_);
    }
    for (auto& [id, w] : live)
      if (auto c = w.lock()) c->close_now();
  }

 private:
  std::mutex mutex_;
  uint64_t next_id_ = 0;
  std::unordered_map<uint64_t, std::weak_ptr<closable>> live_;
};

closable::~closable() {
  if (auto set = set_.lock()) set->remove(id_);
}

struct http_server::impl : std::enable_shared_from_this<http_server::impl> {
  impl(asio::io_context& io, options o, request_handler r, upgrade_handler u)
      : io(io), acceptor(io), opts(std::move(o)), on_request(std::move(r)), on_upgrade(std::move(u)) {}

  void accept();
  void track(const std::shared_ptr<closable>& c) { live->add(c); }

  asio::io_context& io;
  tcp::acceptor acceptor;
  options opts;
  request_handler on_request;
  upgrade_handler on_upgrade;
  uint16_t bound_port = 0;
  bool stopped = false;
  std::shared_ptr<connection_set> live = std::make_shared<connection_set>();
};

namespace {

class ws_session : public ws_peer, public closable, public std::enable_shared_from_this<ws_session> {
 public:
  ws_session(tcp::socket socket, std::chrono::milliseconds idle) : ws_(std::move(socket)), idle_(idle) {}

  void accept(http::request<http::string_body> req, ws_peer_callbacks cb) {
    cb_ = std::move(cb);
    websocket::stream_base::timeout t{};
    t.handshake_timeout = std::chrono::seconds(30);
    t.idle_timeout = idle_;
    t.keep_alive_pings = true;
    ws_.set_option(t);
    ws_.async_accept(req, [self = shared_from_this()](boost::system::error_code ec) {
      if (ec) return self->closed();
      self->open_ = true;
      self->flush();
      self->read();
    });
  }

  // Answers the upgrade request with a plain HTTP response and closes.
  void refuse(std::string response) {
    refusal_ = std::move(response);
    asio::async_write(
        beast::get_lowest_layer(ws_), asio::buffer(refusal_),
        [self = shared_from_this()](boost::system::error_code, std::size_t) { self->close_now(); });
  }

  void send(std::string text) override {
    asio::post(ws_.get_executor(), [self = shared_from_this(), t = std::move(text)]() mutable {
      if (self->done_) return;
      self->queue_.push_back(std::move(t));
      self->flush();
    });
  }

  void close() override {
    asio::post(ws_.get_executor(), [self = shared_from_this()] { self->close_now(); });
  }

  void close_now() override {
    if (done_) return;
    boost::system::error_code ignored;
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(ws_).socket().close(ignored);
    closed();
  }

 private:
  void flush() {
    if (!open_ || writing_ || queue_.empty() || done_) return;
    writing_ = true;
    ws_.text(true);
    ws_.async_write(asio::buffer(queue_.front()),
                    [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                      self->writing_ = false;
                      // Closed meanwhile: the frame in flight was kept alive until now.
                      if (ec || self->done_) {
                        self->queue_.clear();
                        return self->closed();
                      }
                      self->queue_.pop_front();
                      self->flush();
                    });
  }

  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
      if (ec) return self->closed();
      auto text = beast::buffers_to_string(self->buffer_.data());
      self->buffer_.consume(self->buffer_.size());
      if (self->cb_.on_message) self->cb_.on_message(std::move(text));
      self->read();
    });
  }

  void closed() {
    if (done_) return;
    done_ = true;
    open_ = false;
    // A write in flight still reads queue_.front(): its handler clears the queue.
    if (!writing_) queue_.clear();
    if (cb_.on_close) cb_.on_close();
    cb_ = {};
  }

  websocket::stream<beast::tcp_stream> ws_;
  std::chrono::milliseconds idle_;
  beast::flat_buffer buffer_;
  ws_peer_callbacks cb_;
  std::string refusal_;
  std::deque<std::string> queue_;
  bool open_ = false;
  bool writing_ = false;
  bool done_ = false;
};

class http_session : public closable, public std::enable_shared_from_this<http_session> {
 public:
  http_session(std::shared_ptr<http_server::impl> server, tcp::socket socket)
      : server_(std::move(server)), stream_(std::move(socket)) {}

  void start() { read(); }

  void close_now() override {
    closed_ = true;
    boost::system::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  bool closed() const { return closed_; }

  // Writes queued by reply objects; one async_write at a time.
  void enqueue(std::string bytes, bool last_of_reply, bool keep_alive) {
    out_.push_back({std::move(bytes), last_of_reply, keep_alive});
    if (!writing_) write_next();
  }

  asio::any_io_executor executor() { return stream_.get_executor(); }

 private:
  struct pending {
    std::string bytes;
    bool last_of_reply;
    bool keep_alive;
  };

  void read() {
    parser_.emplace();
    parser_->body_limit(server_->opts.body_limit);
    stream_.expires_after(std::chrono::seconds(60));
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](boost::system::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(boost::system::error_code ec);

  void write_next() {
    if (out_.empty()) {
      writing_ = false;
      return;
    }
    writing_ = true;
    stream_.expires_after(std::chrono::seconds(30));
    asio::async_write(stream_, asio::buffer(out_.front().bytes),
                      [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                        if (ec) return self->close_now();
                        auto done = std::move(self->out_.front());
                        self->out_.pop_front();
                        if (done.last_of_reply) {
                          if (!done.keep_alive) return self->close_now();
                          self->read();
                        }
                        self->write_next();
                      });
  }

  std::shared_ptr<http_server::impl> server_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::deque<pending> out_;
  bool writing_ = false;
  std::atomic<bool> closed_{false};
};

class reply_impl : public server_reply {
 public:
  reply_impl(std::shared_ptr<http_session> s, bool keep_alive, bool head)
      : session_(std::move(s)), keep_alive_(keep_alive), head_(head) {}

  void respond(http_response r) override {
    post([this, r = std::move(r)]() mutable {
      if (state_ != state::fresh) return;
      state_ = state::done;
      bool has_type = !find_header(r.headers, "content-type").empty();
      if (!has_type && !r.body.empty()) r.headers.push_back({"Content-Type", "text/plain"});
      std::string out = serialize_head(r.status, r.headers, keep_alive_);
      out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n\r\n";
      if (!head_) out += r.body;
      session_->enqueue(std::move(out), true, keep_alive_);
    });
  }

  void start_stream(int status, http_headers headers) override {
    post([this, status, h = std::move(headers)] {
      if (state_ != state::fresh) return;
      state_ = state::streaming;
      std::string out = serialize_head(status, h, keep_alive_);
      out += "Transfer-Encoding: chunked\r\n\r\n";
      session_->enqueue(std::move(out), false, keep_alive_);
    });
  }

  void write_chunk(std::string data) override {
    post([this, d = std::move(data)] {
      if (state_ != state::streaming || d.empty()) return;
      char size[32];
      auto n = std::snprintf(size, sizeof size, "%zx\r\n", d.size());
      session_->enqueue(std::string(size, static_cast<std::size_t>(n)) + d + "\r\n", false, keep_alive_);
    });
  }

  void end_stream() override {
    post([this] {
      if (state_ != state::streaming) return;
      state_ = state::done;
      session_->enqueue("0\r\n\r\n", true, keep_alive_);
    });
  }

  bool closed() const override { return session_->closed(); }

  void drop() override {
    post([this] {
      state_ = state::done;
      session_->close_now();
    });
  }

  ~reply_impl() override {
    // A handler that never answered would leave the client hanging: close the connection.
    if (state_ == state::streaming || state_ == state::fresh) {
      auto s = session_;
      asio::post(s->executor(), [s] { s->close_now(); });
    }
  }

 private:
  enum class state { fresh, streaming, done };

  template <class F>
  void post(F&& f) {
    // The reply object outlives the posted work: callers hold it by shared_ptr and the work
    // captures a strong reference through `keep`.
    asio::post(session_->executor(), [keep = keep_alive_ref(), f = std::forward<F>(f)]() mutable { f(); });
  }
  std::shared_ptr<void> keep_alive_ref() { return self_.lock(); }

 public:
  std::weak_ptr<reply_impl> self_;

 private:
  std::shared_ptr<http_session> session_;
  bool keep_alive_;
  bool head_;
  state state_ = state::fresh;
};

void http_session::on_read(boost::system::error_code ec) {
  if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted) return close_now();
  if (ec == http::error::body_limit) {
    enqueue(serialize_head(413, {}, false) + "Content-Length: 0\r\n\r\n", true, false);
    return;
  }
  if (ec) {
    if (ec.category() == http::make_error_code(http::error::end_of_stream).category())
      enqueue(serialize_head(400, {}, false) + "Content-Length: 0\r\n\r\n", true, false);
    else
      close_now();
    return;
  }
  auto req = parser_->release();
  server_request sr;
  sr.method = std::string(req.method_string());
  sr.target = std::string(req.target());
  for (const auto& f : req) sr.headers.push_back({std::string(f.name_string()), std::string(f.value())});
  sr.body = req.body();

  if (websocket::is_upgrade(req)) {
    if (!server_->on_upgrade) {
      enqueue(serialize_head(404, {}, false) + "Content-Length: 0\r\n\r\n", true, false);
      return;
    }
    stream_.expires_never();
    auto peer = std::make_shared<ws_session>(stream_.release_socket(), server_->opts.ws_idle_timeout);
    server_->track(peer);
    auto decision = server_->on_upgrade(sr, peer);
    if (auto* cb = std::get_if<ws_peer_callbacks>(&decision)) {
      peer->accept(std::move(req), std::move(*cb));
    } else {
      auto& r = std::get<http_response>(decision);
      peer->refuse(serialize_head(r.status, r.headers, false) +
                   "Content-Length: " + std::to_string(r.body.size()) + "\r\n\r\n" + r.body);
    }
    return;
  }
  auto reply =
      std::make_shared<reply_impl>(shared_from_this(), req.keep_alive(), req.method() == http::verb::head);
  reply->self_ = reply;
  server_->on_request(std::move(sr), std::move(reply));
}

}  // namespace

void http_server::impl::accept() {
  acceptor.async_accept([self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
    if (self->stopped) return;
    if (!ec) {
      boost::system::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      auto s = std::make_shared<http_session>(self, std::move(socket));
      self->track(s);
      s->start();
    }
    self->accept();
  });
}

result<std::shared_ptr<http_server>> http_server::listen(asio::io_context& io, options o,
                                                         request_handler on_request,
                                                         upgrade_handler on_upgrade) {
  auto i = std::make_shared<impl>(io, o, std::move(on_request), std::move(on_upgrade));
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(o.host, ec);
  if (ec) return fail("'" + o.host + "' is not an IP address");
  tcp::endpoint ep{addr, o.port};
  i->acceptor.open(ep.protocol(), ec);
  if (!ec) i->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) i->acceptor.bind(ep, ec);
  if (!ec) i->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("cannot listen on " + o.host + ":" + std::to_string(o.port) + ": " + ec.message());
  i->bound_port = i->acceptor.local_endpoint().port();
  asio::post(io, [i] { i->accept(); });
  return std::shared_ptr<http_server>(new http_server(std::move(i)));
}

http_server::~http_server() {
  stop();
}

uint16_t http_server::port() const {
  return impl_->bound_port;
}

void http_server::stop() {
  asio::post(impl_->io, [i = impl_] {
    if (i->stopped) return;
    i->stopped = true;
    boost::system::error_code ignored;
    i->acceptor.close(ignored);
    i->live->close_all();
  });
}

}  // namespace parley::net
