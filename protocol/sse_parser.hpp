#pragma once
// Incremental parser for text/event-stream (the HTML Living Standard's server-sent events).
// Bytes arrive in arbitrary pieces; complete events come out.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace parley {

struct sse_event {
  std::string event;  // "message" unless the stream named it
  std::string data;   // data lines joined with '\n'
  std::string id;
};

class sse_parser {
 public:
  // A line longer than this is a malformed stream; feed() reports it through error().
  explicit sse_parser(std::size_t max_line = 1 << 20) : max_line_(max_line) {}

  // Consumes `bytes` and returns the events they complete.
  std::vector<sse_event> feed(std::string_view bytes);

  bool failed() const { return failed_; }

 private:
  void line(std::string_view text, std::vector<sse_event>& out);

  std::size_t max_line_;
  std::string partial_;
  sse_event current_;
  bool has_data_ = false;
  bool skip_lf_ = false;
  bool failed_ = false;
};

}  // namespace parley
