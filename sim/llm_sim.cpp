#include "sim/llm_sim.hpp"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cctype>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>

#include "net/http_server.hpp"
#include "protocol/json_fields.hpp"

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
// turn: the example webhook brain's service (examples/webhook_brain.cpp): {"text": ...}.
enum class wire { openai, anthropic, turn };

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

// Whether a message's content says nothing: an empty string, no blocks, or an empty text block.
bool content_empty(const json& content) {
  if (content.is_string()) return content.get<std::string>().empty();
  if (!content.is_array() || content.empty()) return true;
  for (const auto& b : content)
    if (!b.is_object() ||
        (b.contains("type") && b["type"] == "text" && content_text(json::array({b})).empty()))
      return true;
  return false;
}

std::string joined(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ", ") + id;
  return out;
}

// What the chat-completions API refuses about tool use in `messages`, or empty: every call of
// an assistant message must be answered by the "tool" messages right after it, and a "tool"
// message must answer one of those calls.
std::string openai_tool_problem(const json& messages) {
  std::vector<std::string> pending;  // calls of the last assistant message not answered yet
  bool after_calls = false;          // only tool messages since an assistant message with calls
  auto unanswered = [&pending] {
    return "An assistant message with 'tool_calls' must be followed by tool messages responding to each "
           "'tool_call_id'. The following tool_call_ids did not have response messages: " +
           joined(pending);
  };
  for (const auto& m : messages) {
    auto role = string_at(m, "role");
    if (role == "tool") {
      auto it = std::find(pending.begin(), pending.end(), string_at(m, "tool_call_id"));
      if (!after_calls || it == pending.end())
        return "Invalid parameter: messages with role 'tool' must be a response to a preceding message with "
               "'tool_calls'.";
      pending.erase(it);
      continue;
    }
    if (!pending.empty()) return unanswered();
    after_calls = false;
    if (role != "assistant" || !m.contains("tool_calls") || !m["tool_calls"].is_array()) continue;
    for (const auto& c : m["tool_calls"]) {
      pending.push_back(string_at(c, "id"));
      after_calls = true;
    }
  }
  return pending.empty() ? std::string{} : unanswered();
}

// What the Messages API refuses about turns and tool use, or empty: user and assistant
// alternate; tool_use and tool_result blocks need `tools`; each tool_use of an assistant message
// is answered by a tool_result in the next (user) message, its tool results first, and a
// tool_result answers a tool_use of the message right before it.
std::string anthropic_turn_problem(const json& body) {
  bool tools = body.contains("tools") && body["tools"].is_array() && !body["tools"].empty();
  const auto& messages = body["messages"];
  std::vector<std::string> uses;  // tool_use ids of the previous message
  std::string previous;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const auto& m = messages[i];
    auto role = m["role"].get<std::string>();
    auto at = "messages." + std::to_string(i);
    if (role == previous)
      return "messages: roles must alternate between \"user\" and \"assistant\", but found multiple \"" +
             role + "\" roles in a row";
    std::vector<std::string> used, answered;
    bool other = false;  // a block that is not a tool_result seen
    if (m["content"].is_array())
      for (std::size_t k = 0; k < m["content"].size(); ++k) {
        const auto& b = m["content"][k];
        auto type = string_at(b, "type");
        auto block = at + ".content." + std::to_string(k);
        if ((type == "tool_use" || type == "tool_result") && !tools)
          return block + ": Requests which include `tool_use` or `tool_result` blocks must define tools.";
        if (type == "tool_use") {
          if (role != "assistant") return block + ": `tool_use` blocks can only be in `assistant` messages";
          used.push_back(string_at(b, "id"));
        } else if (type == "tool_result") {
          if (role != "user") return block + ": `tool_result` blocks can only be in `user` messages";
          if (other) return at + ": `tool_result` blocks must come first in the content of a `user` message";
          auto id = string_at(b, "tool_use_id");
          if (std::find(uses.begin(), uses.end(), id) == uses.end())
            return block + ": unexpected `tool_use_id` found in `tool_result` blocks: " + id +
                   ". Each `tool_result` block must have a corresponding `tool_use` block in the previous "
                   "message.";
          answered.push_back(id);
        } else {
          other = true;
        }
      }
    std::vector<std::string> missing;
    for (const auto& id : uses)
      if (std::find(answered.begin(), answered.end(), id) == answered.end()) missing.push_back(id);
    if (!missing.empty())
      return "messages." + std::to_string(i - 1) +
             ": `tool_use` ids were found without `tool_result` blocks immediately after: " +
             joined(missing) +
             ". Each `tool_use` block must have a corresponding `tool_result` block in the next message.";
    uses = std::move(used);
    previous = role;
  }
  if (!uses.empty())
    return "messages." + std::to_string(messages.size() - 1) +
           ": `tool_use` ids were found without `tool_result` blocks immediately after: " + joined(uses) +
           ". Each `tool_use` block must have a corresponding `tool_result` block in the next message.";
  return {};
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
    if (!m.contains("content") || content_empty(m["content"]))
      return "messages: text content must be non-empty";
  }
  if (body["messages"][0]["role"] != "user") return "messages: first message must use the \"user\" role";
  return anthropic_turn_problem(body);
}

// A scripted reply: the words to say, then the tools to call.
struct scripted_call {
  std::string name;
  json input;             // an object
  std::string arguments;  // input as JSON text (ASCII, so it splits anywhere)
  bool raw = false;       // the marker gave the arguments text itself (a JSON string)
};
struct script {
  std::string text;
  std::vector<scripted_call> calls;
};

// The markers `[[tool NAME JSON]]...` making up all of `s`, or nothing when it is not only that.
std::optional<std::vector<scripted_call>> parse_markers(const std::string& s) {
  std::vector<scripted_call> calls;
  std::size_t pos = 0;
  auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  for (;;) {
    while (pos < s.size() && space(s[pos])) ++pos;
    if (pos == s.size()) break;
    if (s.compare(pos, 7, "[[tool ") != 0) return std::nullopt;
    pos += 7;
    auto name_end = s.find_first_of(" \t\n]", pos);
    if (name_end == std::string::npos || name_end == pos) return std::nullopt;
    scripted_call call{s.substr(pos, name_end - pos), json::object(), {}, false};
    bool closed = false;
    for (auto end = s.find("]]", name_end); end != std::string::npos; end = s.find("]]", end + 1)) {
      auto arg = s.substr(name_end, end - name_end);
      auto first = arg.find_first_not_of(" \t\r\n");
      if (first != std::string::npos) {
        auto parsed = json::parse(arg, nullptr, false);
        if (parsed.is_string()) {  // arguments as a model may write them: even malformed
          call.arguments = parsed.get<std::string>();
          call.raw = true;
        } else if (parsed.is_discarded() || !parsed.is_object()) {
          continue;
        } else {
          call.input = std::move(parsed);
        }
      }
      pos = end + 2;
      closed = true;
      break;
    }
    if (!closed) return std::nullopt;
    if (!call.raw) call.arguments = call.input.dump(-1, ' ', true);
    calls.push_back(std::move(call));
  }
  if (calls.empty()) return std::nullopt;
  return calls;
}

// A reply ending in `[[tool NAME JSON]]` markers (JSON optional: {}) calls those tools after
// saying the text before them.
script parse_script(const std::string& reply) {
  for (auto at = reply.find("[[tool "); at != std::string::npos; at = reply.find("[[tool ", at + 1))
    if (auto calls = parse_markers(reply.substr(at))) {
      auto text = reply.substr(0, at);
      while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
      return {std::move(text), std::move(*calls)};
    }
  return {reply, {}};
}

void replace_all(std::string& text, const std::string& what, const std::string& with) {
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + with.size()))
    text.replace(pos, what.size(), with);
}

// Splits tool arguments into the pieces they are streamed in: at least two.
std::vector<std::string> argument_pieces(const std::string& arguments) {
  std::vector<std::string> out;
  std::size_t size = std::max<std::size_t>(1, (arguments.size() + 2) / 3);
  for (std::size_t i = 0; i < arguments.size(); i += size) out.push_back(arguments.substr(i, size));
  while (out.size() < 2) out.push_back("");
  return out;
}

// Sends the tokens of one streamed reply, one timer step at a time, in either wire format.
// Joins the tokens of the first sentence and the word after it into the first token.
void merge_first_sentence(std::vector<std::string>& tokens) {
  std::size_t end = 0;
  auto ends_sentence = [](const std::string& t) { return !t.empty() && std::strchr(".?!", t.back()); };
  while (end < tokens.size() && !ends_sentence(tokens[end])) ++end;
  end = std::min(end + 2, tokens.size());
  for (std::size_t k = 1; k < end; ++k) tokens[0] += tokens[k];
  if (end > 1) tokens.erase(tokens.begin() + 1, tokens.begin() + static_cast<std::ptrdiff_t>(end));
}

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
      if (text_block)
        reply->write_chunk(
            event("content_block_start", {{"type", "content_block_start"},
                                          {"index", 0},
                                          {"content_block", {{"type", "text"}, {"text", ""}}}}));
      reply->write_chunk(event("ping", {{"type", "ping"}}));
    }
    wait(first);
  }
  // A text token's chunk (OpenAI) or content_block_delta event (Anthropic), as chunk() and
  // event() write it, from a template made once per stream: the token's JSON string goes where
  // the template has a placeholder.
  std::string text_chunk(const std::string& token) {
    if (text_template.first.empty()) {
      static const std::string placeholder = "\x01", dumped = "\"\\u0001\"";
      auto whole =
          format == wire::openai
              ? chunk(model, {{"content", placeholder}}, nullptr)
              : event("content_block_delta", {{"type", "content_block_delta"},
                                              {"index", 0},
                                              {"delta", {{"type", "text_delta"}, {"text", placeholder}}}});
      auto at = whole.find(dumped);
      text_template = {whole.substr(0, at), whole.substr(at + dumped.size())};
    }
    return text_template.first + json(token).dump() + text_template.second;
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
      if (i == 0 && on_first_token) on_first_token();
      reply->write_chunk(text_chunk(tokens[i++]));
      return wait(step);
    }
    if (format == wire::anthropic && text_block && !text_stopped) {
      reply->write_chunk(event("content_block_stop", {{"type", "content_block_stop"}, {"index", 0}}));
      text_stopped = true;
    }
    if (t < tail.size()) {
      reply->write_chunk(tail[t++]);
      return wait(step);
    }
    if (format == wire::openai) {
      reply->write_chunk(chunk(model, json::object(), stop_reason));
      reply->write_chunk("data: [DONE]\n\n");
    } else {
      reply->write_chunk(
          event("message_delta", {{"type", "message_delta"},
                                  {"delta", {{"stop_reason", stop_reason}, {"stop_sequence", nullptr}}},
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
  std::vector<std::string> tail;  // after the text: the tool calls' chunks, one a step
  std::size_t t = 0;
  std::string stop_reason = "stop";  // OpenAI's finish_reason or Anthropic's stop_reason
  bool text_block = true;            // Anthropic: the text is block 0 (no text before tool calls: none)
  bool text_stopped = false;
  std::size_t drop_after = 0;   // close the connection after this many tokens (0: never)
  std::size_t error_after = 0;  // send an error event after this many tokens (0: never)
  std::function<void(bool completed)> on_end;
  std::function<void()> on_first_token;
  std::pair<std::string, std::string> text_template;  // see text_chunk()
};

}  // namespace

struct llm_sim::state : std::enable_shared_from_this<llm_sim::state> {
  state(asio::io_context& io, llm_sim_options o) : io(io), opts(std::move(o)) {}

  void handle(net::server_request req, std::shared_ptr<net::server_reply> reply) {
    auto path = req.path();
    if (path == "/v1/messages") return handle_anthropic(std::move(req), std::move(reply));
    if (path == "/v1/turn") return handle_turn(std::move(req), std::move(reply));
    if (path != "/v1/chat/completions") return reply->respond(error(404, "unknown path " + path));
    if (req.method != "POST") return reply->respond(error(405, "use POST"));
    if (!opts.api_key.empty() && net::find_header(req.headers, "authorization") != "Bearer " + opts.api_key)
      return reply->respond(error(401, "invalid api key"));
    auto body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("messages") ||
        !body["messages"].is_array())
      return reply->respond(error(400, "body must be a JSON object with messages"));
    if (auto problem = openai_tool_problem(body["messages"]); !problem.empty())
      return reply->respond(error(400, problem));
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

  // A user's own service for the webhook brain: the same scripted replies, as {"text": ...}
  // after the first-token delay, never streamed, no tools.
  void handle_turn(net::server_request req, std::shared_ptr<net::server_reply> reply) {
    if (req.method != "POST") return reply->respond(error(405, "use POST"));
    auto body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("messages") ||
        !body["messages"].is_array())
      return reply->respond(error(400, "body must be a JSON object with messages"));
    auto fault = record(req);
    if (fault == llm_fault::http_500) return reply->respond(error(500, "the service is down"));
    body.erase("stream");
    answer(wire::turn, fault, body, std::move(reply));
  }

  // Records an accepted request and takes the fault it gets, if any.
  std::optional<llm_fault> record(const net::server_request& req) {
    std::lock_guard lock{mutex};
    if (opts.record) {
      llm_request r{req.path(), {}, req.body};
      for (const auto& h : req.headers) {
        std::string name = h.name;
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        r.headers[name] = h.value;
      }
      received.push_back(std::move(r));
    }
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
    // The n-th turn of a conversation gets the n-th reply, so concurrent calls each hear the
    // script in order. A turn is the caller's words (a user message that is not only tool
    // results) or a round of tool calls (an assistant message with some).
    std::string user, tool;
    std::size_t turns = 0;
    for (const auto& m : body["messages"]) {
      auto role = string_at(m, "role");
      const json content = m.is_object() && m.contains("content") ? m["content"] : json();
      if (role == "user") {
        bool caller = !content.is_array();
        if (content.is_array())
          for (const auto& b : content) {
            if (string_at(b, "type") != "tool_result")
              caller = true;
            else if (b.contains("content"))
              tool = content_text(b["content"]);
          }
        if (caller) {
          user = content_text(content);
          ++turns;
        }
      } else if (role == "tool") {
        tool = content_text(content);
      } else if (role == "assistant") {
        bool calls = m.contains("tool_calls") && m["tool_calls"].is_array() && !m["tool_calls"].empty();
        if (content.is_array())
          for (const auto& b : content) calls = calls || string_at(b, "type") == "tool_use";
        turns += calls;
      }
    }
    auto reply_script =
        parse_script(opts.replies.empty() ? std::string("OK.")
                                          : opts.replies[(turns == 0 ? 0 : turns - 1) % opts.replies.size()]);
    std::string text = reply_script.text;
    replace_all(text, "{user}", user);
    replace_all(text, "{tool}", tool);
    if (opts.on_request) opts.on_request(user);
    std::vector<std::string> ids;
    {
      std::lock_guard lock{mutex};
      for (std::size_t k = 0; k < reply_script.calls.size(); ++k)
        ids.push_back((format == wire::openai ? "call_" : "toolu_") + std::to_string(++tool_ids));
    }
    const auto& calls = reply_script.calls;
    std::string model =
        body.contains("model") && body["model"].is_string() ? body["model"].get<std::string>() : "sim";
    bool stream = body.contains("stream") && body["stream"].is_boolean() && body["stream"].get<bool>();
    if (format != wire::turn &&
        (fault == llm_fault::disconnect || fault == llm_fault::error_event || stream)) {
      auto tokens = tokenize_reply(text);
      if (opts.first_sentence_at_once) merge_first_sentence(tokens);
      auto s = std::make_shared<streamer>(io, format, std::move(reply), model, std::move(tokens),
                                          opts.first_token_delay, opts.token_delay);
      if (!calls.empty())
        s->stop_reason = format == wire::openai ? "tool_calls" : "tool_use";
      else if (format == wire::anthropic)
        s->stop_reason = "end_turn";
      s->text_block = calls.empty() || !s->tokens.empty();
      for (std::size_t k = 0; k < calls.size(); ++k) {
        if (format == wire::openai) {
          s->tail.push_back(chunk(
              model,
              {{"tool_calls", json::array({{{"index", k},
                                            {"id", ids[k]},
                                            {"type", "function"},
                                            {"function", {{"name", calls[k].name}, {"arguments", ""}}}}})}},
              nullptr));
          for (const auto& piece : argument_pieces(calls[k].arguments))
            s->tail.push_back(chunk(
                model, {{"tool_calls", json::array({{{"index", k}, {"function", {{"arguments", piece}}}}})}},
                nullptr));
        } else {
          std::size_t index = k + (s->text_block ? 1 : 0);
          s->tail.push_back(event("content_block_start", {{"type", "content_block_start"},
                                                          {"index", index},
                                                          {"content_block",
                                                           {{"type", "tool_use"},
                                                            {"id", ids[k]},
                                                            {"name", calls[k].name},
                                                            {"input", json::object()}}}}));
          for (const auto& piece : argument_pieces(calls[k].arguments))
            s->tail.push_back(event("content_block_delta",
                                    {{"type", "content_block_delta"},
                                     {"index", index},
                                     {"delta", {{"type", "input_json_delta"}, {"partial_json", piece}}}}));
          s->tail.push_back(event("content_block_stop", {{"type", "content_block_stop"}, {"index", index}}));
        }
      }
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
      if (opts.on_first_token) s->on_first_token = [f = opts.on_first_token, user] { f(user); };
      s->start();
      return;
    }
    json whole;
    if (format == wire::turn) {
      whole = {{"text", text}};
    } else if (format == wire::openai) {
      json message{{"role", "assistant"}, {"content", text}};
      if (!calls.empty()) {
        json tool_calls = json::array();
        for (std::size_t k = 0; k < calls.size(); ++k)
          tool_calls.push_back({{"id", ids[k]},
                                {"type", "function"},
                                {"function", {{"name", calls[k].name}, {"arguments", calls[k].arguments}}}});
        if (text.empty()) message["content"] = nullptr;
        message["tool_calls"] = std::move(tool_calls);
      }
      whole = {{"id", "chatcmpl-sim"},
               {"object", "chat.completion"},
               {"model", model},
               {"choices", json::array({{{"index", 0},
                                         {"message", std::move(message)},
                                         {"finish_reason", calls.empty() ? "stop" : "tool_calls"}}})}};
    } else {
      json content = json::array();
      if (calls.empty() || !text.empty()) content.push_back({{"type", "text"}, {"text", text}});
      for (std::size_t k = 0; k < calls.size(); ++k)
        content.push_back(
            {{"type", "tool_use"}, {"id", ids[k]}, {"name", calls[k].name}, {"input", calls[k].input}});
      whole = {{"id", "msg_sim"},
               {"type", "message"},
               {"role", "assistant"},
               {"model", model},
               {"content", std::move(content)},
               {"stop_reason", calls.empty() ? "end_turn" : "tool_use"},
               {"stop_sequence", nullptr},
               {"usage", {{"input_tokens", 10}, {"output_tokens", tokenize_reply(text).size()}}}};
    }
    auto timer = std::make_shared<asio::steady_timer>(io, opts.first_token_delay);
    timer->async_wait([timer, reply, answer = whole.dump()](boost::system::error_code) {
      reply->respond({200, {{"Content-Type", "application/json"}}, answer});
    });
  }

  asio::io_context& io;
  llm_sim_options opts;
  std::shared_ptr<net::http_server> server;
  mutable std::mutex mutex;
  std::vector<llm_request> received;
  std::deque<llm_fault> faults;
  std::vector<std::shared_ptr<net::server_reply>> stalled;
  std::size_t completed = 0;
  std::size_t aborted = 0;
  std::chrono::steady_clock::time_point last_stream_end{};
  std::size_t tool_ids = 0;  // tool call ids given so far
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
  std::vector<std::string> bodies;
  for (const auto& r : s_->received) bodies.push_back(r.body);
  return bodies;
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
