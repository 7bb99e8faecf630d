// Any text as a model's reply or a caller's transcript: the sentence splitter gives the same
// pieces fed whole or in pieces (cut where the first byte says), none over its byte limit and
// nothing lost; the turn policy and the playout tracker never crash and stay within the text.

#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/playout_tracker.hpp"
#include "protocol/sentence_splitter.hpp"
#include "protocol/turn_policy.hpp"

namespace {

std::string squeeze(std::string_view s) {  // the text without whitespace, to compare contents
  std::string out;
  for (char c : s)
    if (std::isspace(static_cast<unsigned char>(c)) == 0) out += c;
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  std::size_t step = 1 + data[0] % 23;
  parley::sentence_splitter::options o;
  o.max_bytes = 64 + data[1] % 200;
  std::string_view text(reinterpret_cast<const char*>(data + 2), size - 2);

  parley::sentence_splitter whole(o), pieces(o);
  auto expected = whole.feed(text);
  auto rest = whole.finish();
  if (!rest.empty()) expected.push_back(rest);
  std::vector<std::string> got;
  for (std::size_t i = 0; i < text.size(); i += step) {
    auto out = pieces.feed(text.substr(i, step));
    got.insert(got.end(), out.begin(), out.end());
  }
  if (auto r = pieces.finish(); !r.empty()) got.push_back(r);
  if (got != expected) __builtin_trap();
  std::string joined;
  for (const auto& p : got) {
    if (p.size() > o.max_bytes) __builtin_trap();
    joined += p;
  }
  if (squeeze(joined) != squeeze(text)) __builtin_trap();

  parley::turn::barge_in_policy policy;
  for (auto kind : {parley::turn::signal::speech_started, parley::turn::signal::interim,
                    parley::turn::signal::final_transcript})
    for (auto phase :
         {parley::turn::phase::listening, parley::turn::phase::thinking, parley::turn::phase::speaking})
      (void)parley::turn::decide({kind, "in", text}, phase, policy);
  (void)parley::turn::is_backchannel(text, policy);

  parley::playout_tracker tracker(10);
  auto t0 = parley::playout_tracker::clock::now();
  tracker.said(text, t0);
  tracker.interim(text.substr(0, text.size() / 2));
  auto heard = tracker.heard(t0 + std::chrono::milliseconds(data[1] * 10));
  if (heard.size() > tracker.said_text().size() || tracker.said_text().compare(0, heard.size(), heard) != 0)
    __builtin_trap();
  (void)parley::playout_tracker::after_words(text, data[0] % 8);
  return 0;
}
