#include "sim/llm_sim.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cctype>
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

// The two wire formats llm-sim speaks.
enum class wire { openai, anthropic };

std::string chunk(const std::string& model, const json& delta, const json& finish) {
  json j{{"id", "chatcmpl-sim"},
         {"object", "chat.completion.chunk"},
         {"created", 0},
         {"model", model},
         {"choices", json::array({{{"index", 0}, {"delta", delta}, {"finish_reason", finish}}})}};
  return "data: " + j.dump() + "\n\n";
}

std::string event(const std::string& name, const json& data) {
  return "event: " + name + "\ndata: " + data.dump() + "\n\n";
}

net::http_response error(int status, const std::string& message) {
  json j{{"error", {{"message", message}, {"type", "invalid_request_error"}}}};
  return {status, {{"Content-Type", "application/json"}}, j.dump()};
}

// Anthropic's error body: {"type":"error","error":{"type":…,"message":…}}.
net::http_response anthropic_error(int status, const std::string& type, const std::string& message) {
  json j{{"type", "error"}, {"error", {{"type", type}, {"message", message}}}};
  return {status, {{"Content-Type", "application/json"}}, j.dump()};
}

// The text of a message's content: a string, or an array of text blocks (Anthropic).
std::string content_text(const json& content) {
  if (content.is_string()) return content.get<std::string>();
  std::string out;
  if (content.is_array())
    for (const auto& b : content)
      if (b.is_object() && b.contains("text") && b["text"].is_string()) out += b["text"].get<std::string>();
  return out;
}

// What the Messages API refuses in a request body, or empty when it is acceptable.
std::string anthropic_body_problem(const json& body) {
  if (body.is_discarded() || !body.is_object()) return "request body must be a JSON object";
  if (!body.contains("model") || !body["model"].is_string()) return "model: Field required";
  if (!body.contains("max_tokens") || !body["max_tokens"].is_number_integer() ||
      body["max_tokens"].get<int64_t>() < 1)
    return "max_tokens: Field required (an integer of at least 1)";
  if (body.contains("system") && !body["system"].is_string() && !body["system"].is_array())
    return "system: Input should be a valid string or list of text blocks";
  if (!body.contains("messages") || !body["messages"].is_array() || body["messages"].empty())
    return "messages: Field required (at least one message)";
  for (const auto& m : body["messages"]) {
    if (!m.is_object() || !m.contains("role") || !m["role"].is_string()) return "messages: each needs a role";
    auto role = m["role"].get<std::string>();
    if (role != "user" && role != "assistant")
      return "messages: Unexpected role \"" + role +
             "\". The Messages API accepts a top-level `system` parameter, not \"system\" as an input "
             "message "
             "role.";
    if (!m.contains("content") || content_text(m["content"]).empty())
      return "messages: text content must be non-empty";
  }
  if (body["messages"][0]["role"] != "user") return "messages: first message must use the \"user\" role";
  return {};
}

// Sends the tokens of one streamed reply, one timer step at a time, in either wire format.
struct streamer : std::enable_shared_from_this<streamer> {
  streamer(asio::io_context& io, wire w, std::shared_ptr<net::server_reply> r, std::string model,
           std::vector<std::string> tokens, std::chrono::milliseconds first, std::chrono::milliseconds step)
      : timer(io),
        format(w),
        reply(std::move(r)),
        model(std::move(model)),
        tokens(std::move(tokens)),
        first(first),
        step(step) {}

  void start() {
    reply->start_stream(200, {{"Content-Type", "text/event-stream"}, {"Cache-Control", "no-cache"}});
    if (format == wire::openai) {
      reply->write_chunk(chunk(model, {{"role", "assistant"}, {"content", ""}}, nullptr));
    } else {
      reply->write_chunk(
          event("message_start", {{"type", "message_start"},
                                  {"message",
                                   {{"id", "msg_sim"},
                                    {"type", "message"},
                                    {"role", "assistant"},
                                    {"content", json::array()},
                                    {"model", model},
                                    {"stop_reason", nullptr},
                                    {"stop_sequence", nullptr},
                                    {"usage", {{"input_tokens", 10}, {"output_tokens", 1}}}}}}));
      reply->write_chunk(event("content_block_start", {{"type", "content_block_start"},
                                                       {"index", 0},
                                                       {"content_block", {{"type", "text"}, {"text", ""}}}}));
      reply->write_chunk(event("ping", {{"type", "ping"}}));
    }
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
    if (error_after > 0 && i == error_after) {
      if (format == wire::openai)
        reply->write_chunk(
            "data: " +
            json{{"error", {{"message", "the model is overloaded"}, {"type", "server_error"}}}}.dump() +
            "\n\n");
      else
        reply->write_chunk(
            event("error",
                  {{"type", "error"}, {"error", {{"type", "overloaded_error"}, {"message", "Overloaded"}}}}));
      reply->end_stream();
      if (on_end) on_end(false);
      return;
    }
    if (i < tokens.size()) {
      if (format == wire::openai)
        reply->write_chunk(chunk(model, {{"content", tokens[i++]}}, nullptr));
      else
        reply->write_chunk(
            event("content_block_delta", {{"type", "content_block_delta"},
                                          {"index", 0},
                                          {"delta", {{"type", "text_delta"}, {"text", tokens[i++]}}}}));
      return wait(step);
    }
    if (format == wire::openai) {
      reply->write_chunk(chunk(model, json::object(), "stop"));
      reply->write_chunk("data: [DONE]\n\n");
    } else {
      reply->write_chunk(event("content_block_stop", {{"type", "content_block_stop"}, {"index", 0}}));
      reply->write_chunk(
          event("message_delta", {{"type", "message_delta"},
                                  {"delta", {{"stop_reason", "end_turn"}, {"stop_sequence", nullptr}}},
                                  {"usage", {{"output_tokens", tokens.size()}}}}));
      reply->write_chunk(event("message_stop", {{"type", "message_stop"}}));
    }
    reply->end_stream();
    if (on_end) on_end(true);
  }

  asio::steady_timer timer;
  wire format;
  std::shared_ptr<net::server_reply> reply;
  std::string model;
  std::vector<std::string> tokens;
  std::chrono::milliseconds first, step;
  std::size_t i = 0;
  std::size_t drop_after = 0;   // close the connection after this many tokens (0: never)
  std::size_t error_after = 0;  // send an error event after this many tokens (0: never)
  std::function<void(bool completed)> on_end;
};

}  // namespace

struct llm_sim::state : std::enable_shared_from_this<llm_sim::state> {
  state(asio::io_context& io, llm_sim_options o) : io(io), opts(std::move(o)) {}

  void handle(net::server_request req, std::shared_ptr<net::server_reply> reply) {
    auto path = req.path();
    if (path == "/v1/messages") return handle_anthropic(std::move(req), std::move(reply));
    if (path != "/v1/chat/completions") return reply->respond(error(404, "unknown path " + path));
    if (req.method != "POST") return reply->respond(error(405, "use POST"));
    if (!opts.api_key.empty() && net::find_header(req.headers, "authorization") != "Bearer " + opts.api_key)
      return reply->respond(error(401, "invalid api key"));
    auto body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("messages") ||
        !body["messages"].is_array())
      return reply->respond(error(400, "body must be a JSON object with messages"));
    auto fault = record(req);
    if (fault == llm_fault::http_500) return reply->respond(error(500, "the model is overloaded"));
    answer(wire::openai, fault, body, std::move(reply));
  }

  // The Messages API: x-api-key and anthropic-version headers, its body rules, its errors.
  void handle_anthropic(net::server_request req, std::shared_ptr<net::server_reply> reply) {
    if (req.method != "POST")
      return reply->respond(anthropic_error(405, "invalid_request_error", "use POST"));
    if (!opts.api_key.empty() && net::find_header(req.headers, "x-api-key") != opts.api_key)
      return reply->respond(anthropic_error(401, "authentication_error", "invalid x-api-key"));
    if (net::find_header(req.headers, "anthropic-version").empty())
      return reply->respond(
          anthropic_error(400, "invalid_request_error", "anthropic-version: header is required"));
    auto body = json::parse(req.body, nullptr, false);
    if (auto problem = anthropic_body_problem(body); !problem.empty())
      return reply->respond(anthropic_error(400, "invalid_request_error", problem));
    auto fault = record(req);
    if (fault == llm_fault::http_500)
      return reply->respond(anthropic_error(500, "api_error", "the model is overloaded"));
    answer(wire::anthropic, fault, body, std::move(reply));
  }

  // Records an accepted request and takes the fault it gets, if any.
  std::optional<llm_fault> record(const net::server_request& req) {
    std::lock_guard lock{mutex};
    bodies.push_back(req.body);
    llm_request r{req.path(), {}, req.body};
    for (const auto& h : req.headers) {
      std::string name = h.name;
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      r.headers[name] = h.value;
    }
    received.push_back(std::move(r));
    if (faults.empty()) return std::nullopt;
    auto fault = faults.front();
    faults.pop_front();
    return fault;
  }

  void answer(wire format, std::optional<llm_fault> fault, const json& body,
              std::shared_ptr<net::server_reply> reply) {
    if (fault == llm_fault::stall) {
      std::lock_guard lock{mutex};
      stalled.push_back(reply);  // answered never; closed when the sim stops
      return;
    }
    if (fault == llm_fault::malformed) {
      reply->start_stream(200, {{"Content-Type", "text/event-stream"}});
      reply->write_chunk(format == wire::openai
                             ? "data: {\"choices\": [{\"delta\": \n\n"
                             : "event: content_block_delta\ndata: {\"type\": \"content_block_delta\", \n\n");
      reply->end_stream();
      return;
    }
    // The n-th user turn of a conversation gets the n-th reply, so concurrent calls each
    // hear the script in order.
    std::string user;
    std::size_t user_turns = 0;
    for (const auto& m : body["messages"])
      if (m.is_object() && m.contains("role") && m["role"] == "user") {
        user = m.contains("content") ? content_text(m["content"]) : std::string{};
        ++user_turns;
      }
    std::string text = opts.replies.empty()
                           ? std::string("OK.")
                           : opts.replies[(user_turns == 0 ? 0 : user_turns - 1) % opts.replies.size()];
    for (auto pos = text.find("{user}"); pos != std::string::npos; pos = text.find("{user}"))
      text.replace(pos, 6, user);
    std::string model =
        body.contains("model") && body["model"].is_string() ? body["model"].get<std::string>() : "sim";
    bool stream = body.contains("stream") && body["stream"].is_boolean() && body["stream"].get<bool>();
    if (fault == llm_fault::disconnect || fault == llm_fault::error_event || stream) {
      auto s = std::make_shared<streamer>(io, format, std::move(reply), model, tokenize_reply(text),
                                          opts.first_token_delay, opts.token_delay);
      if (fault == llm_fault::disconnect) s->drop_after = 2;
      if (fault == llm_fault::error_event) s->error_after = 2;
      std::weak_ptr<state> weak = shared_from_this();
      if (!fault)
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
    timer->async_wait([timer, reply, model, text, format](boost::system::error_code) {
      json j;
      if (format == wire::openai)
        j = {{"id", "chatcmpl-sim"},
             {"object", "chat.completion"},
             {"model", model},
             {"choices", json::array({{{"index", 0},
                                       {"message", {{"role", "assistant"}, {"content", text}}},
                                       {"finish_reason", "stop"}}})}};
      else
        j = {{"id", "msg_sim"},
             {"type", "message"},
             {"role", "assistant"},
             {"model", model},
             {"content", json::array({{{"type", "text"}, {"text", text}}})},
             {"stop_reason", "end_turn"},
             {"stop_sequence", nullptr},
             {"usage", {{"input_tokens", 10}, {"output_tokens", tokenize_reply(text).size()}}}};
      reply->respond({200, {{"Content-Type", "application/json"}}, j.dump()});
    });
  }

  asio::io_context& io;
  llm_sim_options opts;
  std::shared_ptr<net::http_server> server;
  mutable std::mutex mutex;
  std::vector<std::string> bodies;
  std::vector<llm_request> received;
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

std::vector<llm_request> llm_sim::received() const {
  std::lock_guard lock{s_->mutex};
  return s_->received;
}

}  // namespace parley::sim

namespace parley::sim {

llm_sim::stream_counts llm_sim::streams() const {
  std::lock_guard lock{s_->mutex};
  return {s_->completed, s_->aborted, s_->last_stream_end};
}

}  // namespace parley::sim
