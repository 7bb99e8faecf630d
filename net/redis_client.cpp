#include "net/redis_client.hpp"

#include <hiredis/async.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cctype>
#include <csignal>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <random>

#include "net/ws_client.hpp"  // backoff_delay

// How hiredis 0.14 is driven here (async.c is the contract):
// - Its event hooks (ev.addRead/delRead/addWrite/delWrite) ask for level-triggered interest in
//   the socket: a wanted direction stays wanted until deleted (hiredis never deletes reads), so
//   each completed wait is re-armed while it is wanted. ev.cleanup runs when the context is
//   freed, before hiredis closes the fd: the descriptor is released there (Asio never closes a
//   hiredis fd) and the waits still in flight complete with operation_aborted and do nothing.
// - Every regular command's callback runs exactly once: with its reply, or with NULL when the
//   context is freed (connection lost, or redisAsyncFree). The user's callback is completed there.
// - hiredis must not be re-entered from its onConnect/onDisconnect callbacks, and the callbacks
//   it runs while freeing must not free again. So no user code ever runs inside a hiredis call:
//   what a hiredis callback produces is queued and delivered once hiredis has returned.
// - A context may be freed from inside one of its reply callbacks (hiredis then frees it when the
//   callback returns), which is how a refused AUTH drops the connection.
// - PING on a subscribed connection confuses 0.14's reply routing, so the pub/sub connection is
//   never pinged once subscribed; TCP keepalive finds a dead one.

namespace parley::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;

std::string_view to_string(redis_errc e) {
  switch (e) {
    case redis_errc::none:
      return "none";
    case redis_errc::unavailable:
      return "unavailable";
    case redis_errc::connection_lost:
      return "connection lost";
    case redis_errc::timeout:
      return "timeout";
    case redis_errc::stopped:
      return "stopped";
    case redis_errc::overloaded:
      return "overloaded";
    case redis_errc::invalid:
      return "invalid";
  }
  return "unknown";
}

std::string redis_outcome::failure_text() const {
  if (!ok()) return error_text;
  if (reply.is_error()) return reply.str;
  return {};
}

namespace {

redis_reply convert(const redisReply* r) {
  switch (r->type) {
    case REDIS_REPLY_STRING:
      return redis_reply::make_string(std::string(r->str, r->len));
    case REDIS_REPLY_STATUS:
      return redis_reply::make_string(std::string(r->str, r->len), redis_reply::kind::status);
    case REDIS_REPLY_ERROR:
      return redis_reply::make_string(std::string(r->str, r->len), redis_reply::kind::error);
    case REDIS_REPLY_INTEGER:
      return redis_reply::make_integer(r->integer);
    case REDIS_REPLY_ARRAY: {
      std::vector<redis_reply> elements;
      elements.reserve(r->elements);
      for (std::size_t i = 0; i < r->elements; ++i) elements.push_back(convert(r->element[i]));
      return redis_reply::make_array(std::move(elements));
    }
    default:
      return redis_reply::nil();
  }
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Commands that would change what the shared commands connection is: pub/sub or monitor mode
// (hiredis 0.14 then routes replies differently), another db or user, RESP3, or a closed one.
bool changes_connection_mode(const std::string& name) {
  static const std::array<std::string_view, 12> names = {
      "subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe",
      "monitor",   "reset",      "select",     "auth",        "hello",        "quit"};
  auto n = lower(name);
  return std::find(names.begin(), names.end(), n) != names.end();
}

// Replaces every occurrence of `secret` in `text`: a reason built from a server's answer
// must not carry the password even if a server ever echoed it.
std::string scrub(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3))
    text.replace(at, secret.size(), "***");
  return text;
}

// hiredis 0.14 writes with write(2), not send(MSG_NOSIGNAL): writing to a connection Redis has
// closed raises SIGPIPE, which kills the process unless it is ignored (Asio's own sockets never
// raise it). Ignored here, once, unless someone installed a handler.
void ignore_sigpipe() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction current {};
    if (::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL)
      ::signal(SIGPIPE, SIG_IGN);
  });
}

// A connection to a host that vanished (no RST) is found in about 11 s even when idle.
void set_keepalive(int fd) {
  int on = 1, idle = 5, interval = 2, count = 3;
  ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
}

}  // namespace

struct redis_client::session : std::enable_shared_from_this<session> {
  // A command hiredis holds; its callback gets it back exactly once.
  struct pending {
    enum class step { user, auth, select, ping };
    step what = step::user;
    reply_fn done;
    steady::time_point deadline;
  };

  // One hiredis context and the descriptor that waits on its socket for it.
  struct connection : std::enable_shared_from_this<connection> {
    connection(asio::io_context& io, std::weak_ptr<session> s, redis_link which)
        : sd(io), owner(std::move(s)), which(which) {}

    asio::posix::stream_descriptor sd;
    std::weak_ptr<session> owner;
    redis_link which;
    redisAsyncContext* ac = nullptr;  // null once hiredis has freed it
    bool closing = false;             // redisAsyncFree was called by us
    redis_errc close_errc = redis_errc::connection_lost;
    std::string close_reason;                   // why we closed it
    std::array<bool, 2> want{false, false};     // [0] read, [1] write
    std::array<bool, 2> waiting{false, false};  // an async_wait in flight
    std::deque<pending*> inflight;              // regular commands, in the order sent
    bool up = false;
    bool subscribing = false;  // subscriber: PONG seen, SUBSCRIBE sent
    std::size_t awaiting_subs = 0;

    bool usable() const { return ac && !closing; }

    void interest(int dir, bool on) {
      want[dir] = on;
      if (on && ac && !waiting[dir]) wait(dir);
    }

    void wait(int dir) {
      waiting[dir] = true;
      sd.async_wait(
          dir == 0 ? asio::posix::stream_descriptor::wait_read : asio::posix::stream_descriptor::wait_write,
          [c = shared_from_this(), dir](boost::system::error_code ec) { c->ready(dir, ec); });
    }

    void ready(int dir, boost::system::error_code ec) {
      waiting[dir] = false;
      auto s = owner.lock();
      if (!s || ec || !ac || !want[dir]) return;
      if (dir == 0)
        redisAsyncHandleRead(ac);
      else
        redisAsyncHandleWrite(ac);
      // hiredis may have freed the context (ac is then null) or asked for more.
      if (ac && want[dir] && !waiting[dir]) wait(dir);
      s->deliver();
    }

    void forget(pending* p) {
      if (!inflight.empty() && inflight.front() == p) {
        inflight.pop_front();
        return;
      }
      auto it = std::find(inflight.begin(), inflight.end(), p);
      if (it != inflight.end()) inflight.erase(it);
    }

    // Why a command on this connection got no reply (its callback ran with NULL).
    std::pair<redis_errc, std::string> failure() const {
      if (closing) return {close_errc, close_reason};
      std::string why = ac && ac->err ? std::string(ac->errstr) : "connection closed";
      return {redis_errc::connection_lost, "redis connection lost: " + why};
    }

    // ev.cleanup: the context is being freed; hiredis closes the fd right after.
    void cleanup() {
      auto* a = ac;
      ac = nullptr;
      want = {false, false};
      if (sd.is_open()) sd.release();  // cancels the waits; the fd stays hiredis's
      std::string reason;
      if (closing)
        reason = close_reason;
      else
        reason = std::string(up ? "connection lost: " : "connect failed: ") +
                 (a && a->err ? std::string(a->errstr) : "connection closed");
      if (auto s = owner.lock()) s->on_gone(*this, reason);
    }
  };

  struct link {
    link(asio::io_context& io, redis_link which) : which(which), resolver(io), retry(io), watchdog(io) {}
    enum class phase { idle, resolving, connecting, up, backoff };

    redis_link which;
    tcp::resolver resolver;
    asio::steady_timer retry;
    asio::steady_timer watchdog;
    std::shared_ptr<connection> conn;
    phase at = phase::idle;
    bool active = false;
    int failures = 0;
    uint64_t attempt = 0;         // stale resolver completions are ignored
    uint64_t watchdog_wait = 0;   // the armed watchdog wait; 0: none
    steady::time_point deadline;  // of the connect and handshake
    std::size_t next_endpoint = 0;
    std::optional<redis_state> reported;
    std::string last_error = "not started";
  };

  // Something a caller asked for from any thread, handed to the io thread.
  struct op {
    enum class kind { start, command, subscribe, unsubscribe };
    kind what = kind::command;
    std::vector<std::string> args;  // command; args[0] is the channel for (un)subscribe
    reply_fn done;
    message_fn on_message;
  };

  session(asio::io_context& io, redis_options o, state_fn on_state)
      : io(io),
        opts(std::move(o)),
        on_state(std::move(on_state)),
        links{link(io, redis_link::commands), link(io, redis_link::subscriber)},
        rng(std::random_device{}()) {
    ignore_sigpipe();
  }

  ~session() {
    // stop() frees every context; this only guards against a path that did not.
    for (auto& l : links)
      if (l.conn && l.conn->usable()) {
        l.conn->closing = true;
        l.conn->close_errc = redis_errc::stopped;
        l.conn->close_reason = "redis client stopped";
        redisAsyncFree(l.conn->ac);
      }
  }

  link& link_of(redis_link which) { return links[which == redis_link::commands ? 0 : 1]; }

  // ---- from any thread ----

  void submit(op o) {
    bool refused = false, post_drain = false;
    {
      std::lock_guard lock(m);
      if (stopped) {
        refused = true;
      } else {
        inbox.push_back(std::move(o));
        post_drain = !drain_posted;
        drain_posted = true;
      }
    }
    if (post_drain) asio::post(io, [s = shared_from_this()] { s->drain(); });
    if (refused && o.what == op::kind::command && o.done) o.done(stopped_outcome());
  }

  static redis_outcome stopped_outcome() { return {redis_errc::stopped, "redis client stopped", {}}; }

  // ---- on the io thread ----

  void drain() {
    std::vector<op> ops;
    {
      std::lock_guard lock(m);
      drain_posted = false;
      if (stopped) return;
      io_entered = true;
      ops.swap(inbox);
    }
    for (auto& o : ops) {
      switch (o.what) {
        case op::kind::start:
          do_start();
          break;
        case op::kind::command:
          dispatch(std::move(o.args), std::move(o.done));
          break;
        case op::kind::subscribe:
          do_subscribe(std::move(o.args.front()), std::move(o.on_message));
          break;
        case op::kind::unsubscribe:
          do_unsubscribe(o.args.front());
          break;
      }
    }
    deliver();
  }

  void do_start() {
    if (started) return;
    started = true;
    activate(link_of(redis_link::commands));
    if (!subs.empty()) activate(link_of(redis_link::subscriber));
  }

  void activate(link& l) {
    if (l.active) return;
    l.active = true;
    l.last_error = "connecting";
    connect(l);
  }

  void complete(reply_fn done, redis_outcome o) {
    if (o.error == redis_errc::timeout) ++n_timeouts;
    if (!done) return;
    completions.push_back([d = std::move(done), o = std::move(o)]() mutable { d(std::move(o)); });
  }

  void fail(reply_fn done, redis_errc e, std::string text) {
    complete(std::move(done), {e, std::move(text), {}});
  }

  void dispatch(std::vector<std::string> args, reply_fn done) {
    if (args.empty()) return fail(std::move(done), redis_errc::invalid, "empty redis command");
    if (changes_connection_mode(args.front()))
      return fail(
          std::move(done), redis_errc::invalid,
          "redis command " + args.front() + " is not sent on the commands connection (use subscribe())");
    auto& l = link_of(redis_link::commands);
    auto& c = l.conn;
    if (!c || !c->up || !c->usable())
      return fail(std::move(done), redis_errc::unavailable, "redis unavailable: " + l.last_error);
    if (c->inflight.size() >= opts.max_in_flight)
      return fail(
          std::move(done), redis_errc::overloaded,
          "redis overloaded: " + std::to_string(c->inflight.size()) + " commands waiting for a reply");
    if (!send(l, *c, pending::step::user, args, std::move(done), steady::now() + opts.command_timeout))
      return;
    ++n_commands;
  }

  // Hands one command to hiredis; false (and `done` failed) if hiredis refused it.
  bool send(link& l, connection& c, pending::step what, const std::vector<std::string>& args, reply_fn done,
            steady::time_point deadline) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    argv.reserve(args.size());
    lens.reserve(args.size());
    for (const auto& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    auto* p = new pending{what, std::move(done), deadline};
    c.inflight.push_back(p);
    if (redisAsyncCommandArgv(c.ac, &session::on_reply, p, static_cast<int>(argv.size()), argv.data(),
                              lens.data()) != REDIS_OK) {
      c.inflight.pop_back();
      std::unique_ptr<pending> own(p);
      fail(std::move(own->done), redis_errc::unavailable, "redis unavailable: the connection is closing");
      return false;
    }
    arm_watchdog(l);
    return true;
  }

  // hiredis: the reply to a regular command, or NULL when the context is freed.
  static void on_reply(redisAsyncContext* ac, void* r, void* privdata) {
    std::unique_ptr<pending> p(static_cast<pending*>(privdata));
    auto* c = static_cast<connection*>(ac->data);
    c->forget(p.get());
    auto s = c->owner.lock();
    if (!s) return;
    redis_outcome o;
    if (!r) {
      auto [e, text] = c->failure();
      o.error = e;
      o.error_text = std::move(text);
    } else {
      o.reply = convert(static_cast<redisReply*>(r));
    }
    if (p->what == pending::step::user)
      s->complete(std::move(p->done), std::move(o));
    else
      s->handshake_step(*c, p->what, o);
  }

  void handshake_step(connection& c, pending::step what, const redis_outcome& o) {
    if (!o.ok() || !c.usable()) return;  // the connection is going away: cleanup reports it
    if (o.reply.is_error()) {
      std::string cmd = what == pending::step::auth     ? "AUTH"
                        : what == pending::step::select ? "SELECT"
                                                        : "PING";
      std::string text = o.reply.str.rfind("NOAUTH", 0) == 0 ? "redis requires a password: " + o.reply.str
                                                             : "redis refused " + cmd + ": " + o.reply.str;
      // Freed by hiredis once this callback returns.
      close(c, redis_errc::connection_lost, scrub(std::move(text), opts.password));
      return;
    }
    if (what != pending::step::ping) return;
    auto& l = link_of(c.which);
    if (c.which == redis_link::commands) return become_up(l, c);
    // The subscriber: now (re-)subscribe every channel; up once each is confirmed.
    c.subscribing = true;
    if (subs.empty()) return become_up(l, c);
    std::vector<std::string> args{"SUBSCRIBE"};
    for (const auto& [channel, fn] : subs) args.push_back(channel);
    c.awaiting_subs = subs.size();
    send_subscription(c, args);
  }

  void send_subscription(connection& c, const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const auto& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    redisAsyncCommandArgv(c.ac, &session::on_pubsub, nullptr, static_cast<int>(argv.size()), argv.data(),
                          lens.data());
  }

  // hiredis: a subscribe confirmation or a message on the subscriber connection.
  static void on_pubsub(redisAsyncContext* ac, void* r, void*) {
    auto* reply = static_cast<redisReply*>(r);
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 3) return;
    auto* c = static_cast<connection*>(ac->data);
    auto s = c->owner.lock();
    if (!s) return;
    auto* kind = reply->element[0];
    auto* channel = reply->element[1];
    if (kind->type != REDIS_REPLY_STRING || channel->type != REDIS_REPLY_STRING) return;
    std::string_view k(kind->str, kind->len);
    std::string name(channel->str, channel->len);
    if (k == "message" && reply->element[2]->type == REDIS_REPLY_STRING) {
      s->message(std::move(name), std::string(reply->element[2]->str, reply->element[2]->len));
    } else if (k == "subscribe") {
      if (!c->up && c->awaiting_subs > 0 && --c->awaiting_subs == 0 && c->usable())
        s->become_up(s->link_of(c->which), *c);
    }
  }

  void message(std::string channel, std::string text) {
    auto it = subs.find(channel);
    if (it == subs.end() || !it->second) return;
    completions.push_back([this, fn = it->second, ch = std::move(channel), t = std::move(text)]() mutable {
      if (!finished) fn(ch, std::move(t));
    });
  }

  void do_subscribe(std::string channel, message_fn fn) {
    bool fresh = subs.find(channel) == subs.end();
    subs[channel] = std::move(fn);
    if (!started) return;
    auto& l = link_of(redis_link::subscriber);
    if (!l.active) return activate(l);
    auto& c = l.conn;
    if (!fresh || !c || !c->usable() || !c->subscribing) return;  // else sent once subscribing
    if (!c->up) ++c->awaiting_subs;
    send_subscription(*c, {"SUBSCRIBE", channel});
  }

  void do_unsubscribe(const std::string& channel) {
    if (subs.erase(channel) == 0) return;
    auto& c = link_of(redis_link::subscriber).conn;
    if (c && c->usable() && c->subscribing) send_subscription(*c, {"UNSUBSCRIBE", channel});
  }

  void become_up(link& l, connection& c) {
    c.up = true;
    l.at = link::phase::up;
    l.failures = 0;
    l.last_error.clear();
    ++n_connects;
    report(l, redis_state::up, "");
    // The watchdog may wait for the connect deadline: aim it at the commands from now on.
    l.watchdog_wait = 0;
    l.watchdog.cancel();
    arm_watchdog(l);
  }

  void report(link& l, redis_state state, const std::string& reason) {
    if (l.reported == state) return;
    l.reported = state;
    if (!on_state) return;
    completions.push_back([this, which = l.which, state, reason] {
      if (!finished && on_state) on_state(which, state, reason);
    });
  }

  // ---- connecting ----

  void connect(link& l) {
    if (finished || !l.active) return;
    ++l.attempt;
    l.conn.reset();
    l.deadline = steady::now() + opts.connect_timeout;
    const auto& host = opts.endpoint.host;
    boost::system::error_code ec;
    auto literal = asio::ip::make_address(host, ec);
    if (!ec) {
      open(l, literal.to_string());
      return;
    }
    l.at = link::phase::resolving;
    arm_watchdog(l);
    l.resolver.async_resolve(host, std::to_string(opts.endpoint.port),
                             [w = weak_from_this(), which = l.which, attempt = l.attempt](
                                 boost::system::error_code ec, tcp::resolver::results_type r) {
                               auto s = w.lock();
                               if (!s) return;
                               auto& l = s->link_of(which);
                               if (s->finished || attempt != l.attempt || l.at != link::phase::resolving)
                                 return;
                               if (ec || r.empty()) {
                                 s->lost(l, "connect failed: cannot resolve " + s->opts.endpoint.host + ": " +
                                                (ec ? ec.message() : "no address"));
                               } else {
                                 std::vector<tcp::endpoint> eps;
                                 for (const auto& e : r) eps.push_back(e.endpoint());
                                 // Each attempt takes the next address: one that refuses does not block the
                                 // others.
                                 auto pick = eps[l.next_endpoint++ % eps.size()];
                                 s->open(l, pick.address().to_string());
                               }
                               s->deliver();
                             });
  }

  void open(link& l, const std::string& ip) {
    auto* ac = redisAsyncConnect(ip.c_str(), opts.endpoint.port);
    if (!ac) return lost(l, "connect failed: out of memory");
    if (ac->err) {
      std::string why = ac->errstr;
      redisAsyncFree(ac);
      return lost(l, "connect failed: " + why);
    }
    auto c = std::make_shared<connection>(io, weak_from_this(), l.which);
    boost::system::error_code ec;
    c->sd.assign(ac->c.fd, ec);
    if (ec) {
      redisAsyncFree(ac);
      return lost(l, "connect failed: " + ec.message());
    }
    c->ac = ac;
    ac->data = c.get();
    ac->ev.data = c.get();
    ac->ev.addRead = [](void* p) { static_cast<connection*>(p)->interest(0, true); };
    ac->ev.delRead = [](void* p) { static_cast<connection*>(p)->interest(0, false); };
    ac->ev.addWrite = [](void* p) { static_cast<connection*>(p)->interest(1, true); };
    ac->ev.delWrite = [](void* p) { static_cast<connection*>(p)->interest(1, false); };
    ac->ev.cleanup = [](void* p) { static_cast<connection*>(p)->cleanup(); };
    set_keepalive(ac->c.fd);
    l.conn = c;
    l.at = link::phase::connecting;
    // Buffered until the socket connects; the first write event tells hiredis it has.
    if (!opts.password.empty()) {
      std::vector<std::string> auth{"AUTH"};
      if (!opts.username.empty()) auth.push_back(opts.username);
      auth.push_back(opts.password);
      send(l, *c, pending::step::auth, auth, {}, l.deadline);
    }
    if (l.which == redis_link::commands && opts.endpoint.db != 0)
      send(l, *c, pending::step::select, {"SELECT", std::to_string(opts.endpoint.db)}, {}, l.deadline);
    send(l, *c, pending::step::ping, {"PING"}, {}, l.deadline);
  }

  // We drop a connection: hiredis runs the callbacks of its commands with NULL, then cleanup.
  void close(connection& c, redis_errc e, std::string reason) {
    if (!c.usable()) return;
    c.closing = true;
    c.close_errc = e;
    c.close_reason = std::move(reason);
    redisAsyncFree(c.ac);
  }

  // ev.cleanup of the link's connection: it is gone.
  void on_gone(connection& c, const std::string& reason) {
    auto& l = link_of(c.which);
    if (l.conn.get() != &c) return;
    c.up = false;
    lost(l, reason);
  }

  // An attempt failed or a connection ended: report it and try again after a backoff.
  void lost(link& l, const std::string& reason) {
    l.at = link::phase::backoff;
    l.last_error = scrub(reason, opts.password);
    if (finished) return;
    report(l, redis_state::down, l.last_error);
    ++l.failures;
    std::uniform_real_distribution<double> jitter(0.5, 1.0);
    auto delay = backoff_delay(opts.initial_backoff, opts.max_backoff, l.failures, jitter(rng));
    l.retry.expires_after(delay);
    l.retry.async_wait([w = weak_from_this(), which = l.which](boost::system::error_code ec) {
      auto s = w.lock();
      if (ec || !s || s->finished) return;
      s->connect(s->link_of(which));
      s->deliver();
    });
  }

  // ---- deadlines ----

  std::optional<steady::time_point> next_deadline(const link& l) const {
    if (l.at == link::phase::resolving || l.at == link::phase::connecting) return l.deadline;
    if (l.at == link::phase::up && l.conn && !l.conn->inflight.empty())
      return l.conn->inflight.front()->deadline;
    return std::nullopt;
  }

  void arm_watchdog(link& l) {
    if (l.watchdog_wait != 0 || finished) return;
    auto when = next_deadline(l);
    if (!when) return;
    auto id = ++watchdog_ids;
    l.watchdog_wait = id;
    l.watchdog.expires_at(*when);
    l.watchdog.async_wait([w = weak_from_this(), which = l.which, id](boost::system::error_code) {
      auto s = w.lock();
      if (!s) return;
      auto& l = s->link_of(which);
      if (l.watchdog_wait != id) return;  // cancelled and re-armed meanwhile
      l.watchdog_wait = 0;
      if (s->finished) return;
      s->check_deadlines(l);
      s->deliver();
    });
  }

  void check_deadlines(link& l) {
    auto now = steady::now();
    auto ms = [](std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; };
    if (l.at == link::phase::resolving && now >= l.deadline) {
      ++l.attempt;  // its completion is ignored
      l.resolver.cancel();
      return lost(l, "connect failed: resolving " + opts.endpoint.host + " took longer than " +
                         ms(opts.connect_timeout));
    }
    auto& c = l.conn;
    if (l.at == link::phase::connecting && c && c->usable() && now >= l.deadline) {
      return close(*c, redis_errc::timeout,
                   "connect failed: no answer from " + opts.endpoint.to_string() + " within " +
                       ms(opts.connect_timeout));
    }
    if (l.at == link::phase::up && c && c->usable() && !c->inflight.empty() &&
        c->inflight.front()->deadline <= now) {
      // Redis answers in order: the commands behind this one wait for nothing that will come.
      return close(*c, redis_errc::timeout,
                   "redis timeout: no reply within " + ms(opts.command_timeout) + " (connection dropped)");
    }
    arm_watchdog(l);
  }

  // ---- delivery ----

  // Runs what hiredis callbacks produced, outside of hiredis. A callback may stop the client:
  // that delivers the rest in a nested call, and this loop then finds nothing left.
  void deliver() {
    while (!completions.empty()) {
      auto f = std::move(completions.front());
      completions.pop_front();
      f();
    }
  }

  // ---- stopping ----

  // On the io thread, or on any thread once nothing runs the io_context.
  void shutdown() {
    if (finished) return;
    finished = true;
    std::vector<op> ops;
    {
      std::lock_guard lock(m);
      stopped = true;
      ops.swap(inbox);
    }
    for (auto& o : ops)
      if (o.what == op::kind::command) complete(std::move(o.done), stopped_outcome());
    for (auto& l : links) {
      ++l.attempt;
      l.watchdog_wait = 0;
      l.retry.cancel();
      l.watchdog.cancel();
      l.resolver.cancel();
      if (l.conn) close(*l.conn, redis_errc::stopped, "redis client stopped");
    }
    deliver();
    on_state = nullptr;
    subs.clear();
  }

  asio::io_context& io;
  redis_options opts;
  state_fn on_state;
  std::array<link, 2> links;
  std::map<std::string, message_fn> subs;
  std::deque<std::function<void()>> completions;
  std::mt19937 rng;
  uint64_t watchdog_ids = 0;
  bool started = false;
  bool finished = false;  // shutdown ran (io thread)

  std::mutex m;  // guards the four below
  std::vector<op> inbox;
  bool drain_posted = false;
  bool stopped = false;
  bool io_entered = false;  // the io thread has run a handler of this client

  std::atomic<uint64_t> n_connects{0}, n_commands{0}, n_timeouts{0};
};

redis_client::redis_client(asio::io_context& io, redis_options options, state_fn on_state)
    : s_(std::make_shared<session>(io, std::move(options), std::move(on_state))) {}

redis_client::~redis_client() {
  stop();
}

void redis_client::start() {
  s_->submit({session::op::kind::start, {}, {}, {}});
}

void redis_client::command(std::vector<std::string> args, reply_fn done) {
  s_->submit({session::op::kind::command, std::move(args), std::move(done), {}});
}

void redis_client::publish(std::string channel, std::string message, reply_fn done) {
  command({"PUBLISH", std::move(channel), std::move(message)}, std::move(done));
}

void redis_client::subscribe(std::string channel, message_fn on_message) {
  s_->submit({session::op::kind::subscribe, {std::move(channel)}, {}, std::move(on_message)});
}

void redis_client::unsubscribe(std::string channel) {
  s_->submit({session::op::kind::unsubscribe, {std::move(channel)}, {}, {}});
}

void redis_client::stop() {
  auto s = s_;
  {
    std::unique_lock lock(s->m);
    if (!s->io_entered) {
      // The io thread never ran a handler of this client (and now never will): nothing but the
      // inbox exists, and its callbacks run here.
      s->stopped = true;
      std::vector<session::op> ops;
      ops.swap(s->inbox);
      lock.unlock();
      for (auto& o : ops)
        if (o.what == session::op::kind::command && o.done) o.done(session::stopped_outcome());
      return;
    }
  }
  if (s->io.get_executor().running_in_this_thread() || s->io.stopped()) {
    s->shutdown();
    return;
  }
  // Whoever claims it runs the shutdown: the io thread, or this one if the io_context stops
  // before it ran the handler.
  auto claimed = std::make_shared<std::atomic<bool>>(false);
  auto done = std::make_shared<std::promise<void>>();
  auto finished = done->get_future();
  asio::post(s->io, [s, claimed, done] {
    if (!claimed->exchange(true)) s->shutdown();
    done->set_value();
  });
  while (finished.wait_for(std::chrono::milliseconds(50)) != std::future_status::ready) {
    if (s->io.stopped() && !claimed->exchange(true)) {
      s->shutdown();
      return;
    }
  }
}

redis_client::counters redis_client::stats() const {
  return {s_->n_connects.load(), s_->n_commands.load(), s_->n_timeouts.load()};
}

}  // namespace parley::net
