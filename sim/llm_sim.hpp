#pragma once
// llm-sim: an OpenAI-compatible /v1/chat/completions endpoint with scripted replies,
// streamed (SSE) or not, with configurable first-token and per-token delays. Records the
// body of every request so tests can check what the model was shown.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "protocol/result.hpp"

namespace boost::asio {
class io_context;
}

namespace parley::sim {

struct llm_sim_options {
  // The n-th user turn of a conversation gets replies[n-1] (cycling); "{user}" is replaced by
  // the last user message.
  std::vector<std::string> replies = {"You said: {user} What else can I do for you?"};
  std::chrono::milliseconds first_token_delay{150};
  std::chrono::milliseconds token_delay{20};
  std::string api_key;  // when set, requests must carry "Authorization: Bearer <key>"
};

// What the next request(s) get instead of a good reply.
enum class llm_fault {
  http_500,    // 500 with an OpenAI error body
  stall,       // headers never come
  malformed,   // a 200 stream whose chunk is not JSON
  disconnect,  // the connection drops after the first tokens
};

class llm_sim {
 public:
  llm_sim(boost::asio::io_context& io, llm_sim_options options);
  ~llm_sim();

  result<uint16_t> start(const std::string& host, uint16_t port);
  void stop();

  // The next `count` requests fail with `fault`. Thread-safe.
  void fail_next(llm_fault fault, int count = 1);

  // Raw JSON bodies of the chat-completion requests received, in order. Thread-safe.
  std::vector<std::string> requests() const;

  struct stream_counts {
    std::size_t completed = 0;                         // streamed to [DONE]
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
