// The reply gate decodes a streamed reply and holds its pieces only while they cannot change
// what the sentence splitter says: through the gate, every sentence comes out at the same token
// as without it, from fewer deliveries.

#include "protocol/reply_gate.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "protocol/openai_codec.hpp"
#include "protocol/sentence_splitter.hpp"

using namespace parley;

namespace {

result<reply_delta> openai_event(const sse_event& ev) {
  return openai::parse_stream_data(ev.data);
}

std::string chunk(const std::string& text) {
  nlohmann::json j{{"choices", {{{"index", 0}, {"delta", {{"content", text}}}, {"finish_reason", nullptr}}}}};
  return "data: " + j.dump() + "\n\n";
}
const std::string role =
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n";
const std::string finish =
    "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";

struct piece_at {
  std::string text;
  std::size_t token;  // index of the read after which the splitter emitted it
  bool operator==(const piece_at&) const = default;
};

// What a brain splits from these reads, when each read's events are decoded and handed on at
// once (gate off) or when the gate lets its pieces go; also how many deliveries there were.
std::vector<piece_at> split(const std::vector<std::string>& reads, bool gated, std::size_t* deliveries) {
  reply_gate gate{openai_event};
  sse_parser sse;
  sentence_splitter splitter;
  std::vector<piece_at> out;
  *deliveries = 0;
  auto take = [&](const std::vector<reply_delta>& deltas, std::size_t at) {
    ++*deliveries;
    for (const auto& d : deltas) {
      for (auto& s : splitter.feed(d.text)) out.push_back({s, at});
      if (d.done)
        if (auto rest = splitter.finish(); !rest.empty()) out.push_back({rest, at});
    }
  };
  for (std::size_t i = 0; i < reads.size(); ++i) {
    if (gated) {
      if (gate.feed(reads[i]) && gate.holding()) take(gate.take().deltas, i);
      continue;
    }
    std::vector<reply_delta> deltas;
    for (auto& ev : sse.feed(reads[i]))
      if (auto d = openai_event(ev)) deltas.push_back(std::move(*d));
    take(deltas, i);
  }
  if (gate.holding()) take(gate.take().deltas, reads.size());
  return out;
}

std::vector<std::string> stream_of(const std::vector<std::string>& tokens) {
  std::vector<std::string> reads{role};
  for (const auto& t : tokens) reads.push_back(chunk(t));
  reads.push_back(finish);
  return reads;
}

}  // namespace

TEST(ReplyGate, PiecesComeAtTheSameTokenFromFewerDeliveries) {
  auto reads = stream_of({"Sure",    ",",        " I",   " can",      " help", " with",   " that", ".",
                          " Your",   " table",   " for", " two",      " is",   " booked", " for",  " seven",
                          " thirty", " tonight", ".",    " Anything", " else", "?"});
  std::size_t plain = 0, gated = 0;
  auto expected = split(reads, false, &plain);
  auto got = split(reads, true, &gated);
  EXPECT_EQ(got, expected);
  ASSERT_GE(expected.size(), 2u);
  EXPECT_LT(gated, plain / 2) << gated << " deliveries of " << plain;
}

TEST(ReplyGate, TheFirstTokenGoesAtOnceAndTheEndFlushesWhatIsHeld) {
  reply_gate gate{openai_event};
  EXPECT_FALSE(gate.feed(role));           // no token yet
  EXPECT_TRUE(gate.feed(chunk("Hello")));  // the first token
  EXPECT_FALSE(gate.feed(chunk(" there")));
  EXPECT_FALSE(gate.feed(chunk(" my")));
  EXPECT_TRUE(gate.feed(chunk(" friend.")));  // a boundary
  EXPECT_FALSE(gate.feed(chunk(" ")));        // still deciding: no word yet, but nothing new
  EXPECT_TRUE(gate.feed(chunk("How")));       // the next word decides the sentence
  EXPECT_FALSE(gate.feed(chunk(" are")));
  EXPECT_TRUE(gate.feed(finish));
}

TEST(ReplyGate, MalformedAndLongRunsGoAtOnce) {
  reply_gate gate{openai_event};
  EXPECT_TRUE(gate.feed(chunk("One")));
  EXPECT_TRUE(gate.feed("data: {not json\n\n"));
  auto pieces = gate.take();
  ASSERT_EQ(pieces.deltas.size(), 1u);
  EXPECT_EQ(pieces.deltas[0].text, "One");
  EXPECT_FALSE(pieces.error.empty());
  EXPECT_FALSE(gate.feed(chunk("Two.")));  // nothing is read after an error
  EXPECT_FALSE(gate.holding());

  reply_gate long_run{openai_event};
  EXPECT_TRUE(long_run.feed(chunk("x")));
  bool went = false;
  for (int i = 0; i < 200 && !went; ++i) went = long_run.feed(chunk(" word"));
  EXPECT_TRUE(went) << "2 KiB without a boundary must go";
}

TEST(ReplyGate, TextIsMergedAndToolCallsKeepTheirPlace) {
  reply_gate gate{openai_event};
  gate.feed(role);
  gate.feed(chunk("Let"));
  gate.feed(chunk(" me"));
  gate.feed(chunk(" check"));
  gate.feed(
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"c1\","
      "\"function\":{\"name\":\"lookup\",\"arguments\":\"{\\\"a\\\":\"}}]}}]}\n\n");
  gate.feed(
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,"
      "\"function\":{\"arguments\":\"1}\"}}]}}]}\n\n");
  EXPECT_TRUE(gate.feed(finish));
  auto pieces = gate.take();
  EXPECT_TRUE(pieces.error.empty());
  ASSERT_EQ(pieces.deltas.size(), 4u);
  EXPECT_EQ(pieces.deltas[0].text, "Let me check");  // the role piece said nothing
  ASSERT_EQ(pieces.deltas[1].tool_calls.size(), 1u);
  EXPECT_EQ(pieces.deltas[1].tool_calls[0].name, "lookup");
  EXPECT_EQ(pieces.deltas[1].tool_calls[0].arguments, "{\"a\":");
  ASSERT_EQ(pieces.deltas[2].tool_calls.size(), 1u);
  EXPECT_EQ(pieces.deltas[2].tool_calls[0].arguments, "1}");
  EXPECT_TRUE(pieces.deltas[3].done);
  EXPECT_FALSE(gate.feed(chunk("after the end")));
}
