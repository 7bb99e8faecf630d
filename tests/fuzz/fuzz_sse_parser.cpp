// Any byte stream as SSE: the parser never crashes, and feeding it in pieces (cut where the
// first byte says) yields exactly the events of feeding it whole.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocol/sse_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::size_t step = 1 + data[0] % 17;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  parley::sse_parser whole(4096), pieces(4096);
  auto expected = whole.feed(text);
  std::vector<parley::sse_event> got;
  for (std::size_t i = 0; i < text.size(); i += step) {
    auto out = pieces.feed(text.substr(i, step));
    got.insert(got.end(), out.begin(), out.end());
  }
  if (whole.failed() != pieces.failed()) __builtin_trap();
  if (whole.failed()) return 0;
  if (got.size() != expected.size()) __builtin_trap();
  for (std::size_t i = 0; i < got.size(); ++i)
    if (got[i].data != expected[i].data || got[i].event != expected[i].event || got[i].id != expected[i].id)
      __builtin_trap();
  return 0;
}
