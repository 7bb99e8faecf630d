#include "sim/llm_sim.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>

#include "net/http_server.hpp"

namespace parley::sim {

namespace asio = boost::asio;
using nlohmann::json;

std::vector<std::string> tokenize_reply(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : text) {
    if (c == ' ' && !cur.empty()) {
      out.push_back(cur);
      cur.clear();
    }
    cur += c;
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

namespace {

std::string chunk(const std::string& model, const json& delta, const json& finish) {
  json j{{"id", "chatcmpl-sim"},
         {"object", "chat.completion.chunk"},
         {"created", 0},
         {"model", model},
         {"choices", json::array({{{"index", 0}, {"delta", delta}, {"finish_reason", finish}}})}};
  return "data: " + j.dump() + "\n\n";
}

net::http_response error(int status, const std::string& message) {
  json j{{"error", {{"message", message}, {"type", "invalid_request_error"}}}};
  return {status, {{"Content-Type", "application/json"}}, j.dump()};
}

// Sends the tokens of one streamed reply, one timer step at a time.
struct streamer : std::enable_shared_from_this<streamer> {
  streamer(asio::io_context& io, std::shared_ptr<net::server_reply> r, std::string model,
           std::vector<std::string> tokens, std::chrono::milliseconds first, std::chrono::milliseconds step)
      : timer(io),
        reply(std::move(r)),
        model(std::move(model)),
        tokens(std::move(tokens)),
        first(first),
        step(step) {}

  void start() {
    reply->start_stream(200, {{"Content-Type", "text/event-stream"}, {"Cache-Control", "no-cache"}});
    reply->write_chunk(chunk(model, {{"role", "assistant"}, {"content", ""}}, nullptr));
    wait(first);
  }
  void wait(std::chrono::milliseconds d) {
    timer.expires_after(d);
    timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->next();
    });
  }
  void next() {
    if (reply->closed()) {
      if (on_end) on_end(false);
      return;
    }
    if (drop_after > 0 && i == drop_after) {
      reply->drop();
      return;
    }
    if (i < tokens.size()) {
      reply->write_chunk(chunk(model, {{"content", tokens[i++]}}, nullptr));
      return wait(step);
    }
    reply->write_chunk(chunk(model, json::object(), "stop"));
    reply->write_chunk("data: [DONE]\n\n");
    reply->end_stream();
    if (on_end) on_end(true);
  }

  asio::steady_timer timer;
  std::shared_ptr<net::server_reply> reply;
  std::string model;
  std::vector<std::string> tokens;
  std::chrono::milliseconds first, step;
  std::size_t i = 0;
  std::size_t drop_after = 0;  // close the connection after this many tokens (0: never)
  std::function<void(bool completed)> on_end;
};

}  // namespace

struct llm_sim::state : std::enable_shared_from_this<llm_sim::state> {
  state(asio::io_context& io, llm_sim_options o) : io(io), opts(std::move(o)) {}

  void handle(net::server_request req, std::shared_ptr<net::server_reply> reply) {
    if (req.path() != "/v1/chat/completions") return reply->respond(error(404, "unknown path " + req.path()));
    if (req.method != "POST") return reply->respond(error(405, "use POST"));
    if (!opts.api_key.empty() && net::find_header(req.headers, "authorization") != "Bearer " + opts.api_key)
      return reply->respond(error(401, "invalid api key"));
    auto body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("messages") ||
        !body["messages"].is_array())
      return reply->respond(error(400, "body must be a JSON object with messages"));
    std::optional<llm_fault> fault;
    {
      std::lock_guard lock{mutex};
      bodies.push_back(req.body);
      if (!faults.empty()) {
        fault = faults.front();
        faults.pop_front();
      }
    }
    if (fault == llm_fault::http_500) return reply->respond(error(500, "the model is overloaded"));
    if (fault == llm_fault::stall) {
      stalled.push_back(reply);  // answered never; closed when the sim stops
      return;
    }
    if (fault == llm_fault::malformed) {
      reply->start_stream(200, {{"Content-Type", "text/event-stream"}});
      reply->write_chunk("data: {\"choices\": [{\"delta\": \n\n");
      reply->end_stream();
      return;
    }
    // The n-th user turn of a conversation gets the n-th reply, so concurrent calls each
    // hear the script in order.
    std::string user;
    std::size_t user_turns = 0;
    for (const auto& m : body["messages"])
      if (m.is_object() && m.value("role", "") == "user") {
        user = m.value("content", "");
        ++user_turns;
      }
    std::string text = opts.replies.empty()
                           ? std::string("OK.")
                           : opts.replies[(user_turns == 0 ? 0 : user_turns - 1) % opts.replies.size()];
    for (auto pos = text.find("{user}"); pos != std::string::npos; pos = text.find("{user}"))
      text.replace(pos, 6, user);
    auto model = body.value("model", "sim");
    if (fault == llm_fault::disconnect) {
      auto s = std::make_shared<streamer>(io, std::move(reply), body.value("model", "sim"),
                                          tokenize_reply(text), opts.first_token_delay, opts.token_delay);
      s->drop_after = 2;
      s->start();
      return;
    }
    if (body.value("stream", false)) {
      auto s = std::make_shared<streamer>(io, std::move(reply), model, tokenize_reply(text),
                                          opts.first_token_delay, opts.token_delay);
      std::weak_ptr<state> weak = shared_from_this();
      s->on_end = [weak](bool completed) {
        if (auto self = weak.lock()) {
          std::lock_guard lock{self->mutex};
          (completed ? self->completed : self->aborted)++;
          self->last_stream_end = std::chrono::steady_clock::now();
        }
      };
      s->start();
      return;
    }
    auto timer = std::make_shared<asio::steady_timer>(io, opts.first_token_delay);
    timer->async_wait([timer, reply, model, text](boost::system::error_code) {
      json j{{"id", "chatcmpl-sim"},
             {"object", "chat.completion"},
             {"model", model},
             {"choices", json::array({{{"index", 0},
                                       {"message", {{"role", "assistant"}, {"content", text}}},
                                       {"finish_reason", "stop"}}})}};
      reply->respond({200, {{"Content-Type", "application/json"}}, j.dump()});
    });
  }

  asio::io_context& io;
  llm_sim_options opts;
  std::shared_ptr<net::http_server> server;
  mutable std::mutex mutex;
  std::vector<std::string> bodies;
  std::deque<llm_fault> faults;
  std::vector<std::shared_ptr<net::server_reply>> stalled;
  std::size_t completed = 0;
  std::size_t aborted = 0;
  std::chrono::steady_clock::time_point last_stream_end{};
};

llm_sim::llm_sim(asio::io_context& io, llm_sim_options options)
    : s_(std::make_shared<state>(io, std::move(options))) {}

llm_sim::~llm_sim() {
  stop();
}

result<uint16_t> llm_sim::start(const std::string& host, uint16_t port) {
  std::weak_ptr<state> weak = s_;
  auto server =
      net::http_server::listen(s_->io, {host, port, 1 << 20},
                               [weak](net::server_request req, std::shared_ptr<net::server_reply> reply) {
                                 if (auto self = weak.lock()) self->handle(std::move(req), std::move(reply));
                               });
  if (!server) return server.error();
  s_->server = *server;
  return s_->server->port();
}

void llm_sim::stop() {
  if (s_->server) s_->server->stop();
  std::lock_guard lock{s_->mutex};
  s_->stalled.clear();
}

void llm_sim::fail_next(llm_fault fault, int count) {
  std::lock_guard lock{s_->mutex};
  for (int i = 0; i < count; ++i) s_->faults.push_back(fault);
}

std::vector<std::string> llm_sim::requests() const {
  std::lock_guard lock{s_->mutex};
  return s_->bodies;
}

}  // namespace parley::sim

namespace parley::sim {

llm_sim::stream_counts llm_sim::streams() const {
  std::lock_guard lock{s_->mutex};
  return {s_->completed, s_->aborted, s_->last_stream_end};
}

}  // namespace parley::sim
