// Any bytes as a VoIPBIN WebSocket frame or webhook body: classify_frame returns a value or an
// error, never crashes, and a classified event always has a UUID id.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocol/voipbin_event.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view frame(reinterpret_cast<const char*>(data), size);
  auto ev = parley::voipbin::classify_frame(frame);
  if (ev) {
    auto id = std::visit([](const auto& r) { return r.id; }, ev->resource);
    if (!parley::voipbin::is_uuid(id)) __builtin_trap();
  }
  return 0;
}
