#pragma once
// llm-sim: an OpenAI-compatible POST /v1/chat/completions and an Anthropic-compatible
// POST /v1/messages (and POST /v1/turn, the service of examples/webhook_brain), with the same scripted
// replies (which may call tools), streamed (SSE) or not, configurable first-token and per-token delays and
// fault injection. Both refuse (400, in the API's error format) the tool histories the real APIs refuse.
// Records every request (body, and path and headers) so tests can check what the model was shown.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "protocol/result.hpp"

namespace boost::asio {
class io_context;
}

namespace parley::sim {

struct llm_sim_options {
  // The n-th turn of a conversation gets replies[n-1] (cycling). Turns are the caller's (user
  // messages that are not only tool results) and the model's tool rounds (assistant messages
  // with tool calls), so the reply after one that calls a tool answers its result. "{user}" is
  // replaced by the caller's last words, "{tool}" by the newest tool result (OpenAI: the last
  // "tool" message; Anthropic: the last tool_result block). A reply may end with markers
  // `[[tool NAME JSON]]` (JSON optional: {}): the text before them is said, then those tools are
  // called (ids call_<n> / toolu_<n>, unique per sim; streamed, the arguments in pieces).
  std::vector<std::string> replies = {"You said: {user} What else can I do for you?"};
  std::chrono::milliseconds first_token_delay{150};
  std::chrono::milliseconds token_delay{20};
  // When set, requests must carry "Authorization: Bearer <key>" (OpenAI) or "x-api-key: <key>"
  // (Anthropic); 401 with the API's error body otherwise.
  std::string api_key;
  // true: the first streamed token carries the reply's whole first sentence and the next word,
  // so a client can cut the sentence the moment that token arrives (for timing a client's own
  // overhead from the first token, without the model's pace in it).
  bool first_sentence_at_once = false;
  // For load drivers: false keeps no request (requests() and received() stay empty).
  bool record = true;
  // Called on the io thread with the caller's last words of each accepted request, when it is
  // accepted and when the first token of its streamed reply is written.
  std::function<void(const std::string& user)> on_request;
  std::function<void(const std::string& user)> on_first_token;
};

// What the next request(s) get instead of a good reply, in the wire format of the endpoint
// asked.
enum class llm_fault {
  http_500,     // 500 with the API's error body
  stall,        // headers never come
  malformed,    // a 200 stream whose chunk is not JSON
  disconnect,   // the connection drops after the first tokens
  error_event,  // after the first tokens, an error in the stream (Anthropic's `error` event)
};

// One request an endpoint accepted.
struct llm_request {
  std::string path;                            // /v1/chat/completions or /v1/messages
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
};

class llm_sim {
 public:
  llm_sim(boost::asio::io_context& io, llm_sim_options options);
  ~llm_sim();

  result<uint16_t> start(const std::string& host, uint16_t port);
  void stop();

  // The next `count` requests fail with `fault`. Thread-safe.
  void fail_next(llm_fault fault, int count = 1);

  // Raw JSON bodies of the requests accepted, both endpoints in one list, in order. Thread-safe.
  std::vector<std::string> requests() const;
  // The same requests with their path and headers. Thread-safe.
  std::vector<llm_request> received() const;

  struct stream_counts {
    std::size_t completed = 0;                         // streamed to [DONE] or message_stop
    std::size_t aborted = 0;                           // the client went away mid-stream
    std::chrono::steady_clock::time_point last_end{};  // when the last stream ended
  };
  stream_counts streams() const;

  struct state;

 private:
  std::shared_ptr<state> s_;
};

// Splits a reply into stream tokens the way a model emits them: words with their
// leading space.
std::vector<std::string> tokenize_reply(const std::string& text);

}  // namespace parley::sim
