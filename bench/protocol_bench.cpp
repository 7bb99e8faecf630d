// Hot paths of one turn, measured against a baseline taken in the same run:
//   classify_frame  vs  nlohmann::json::parse of the same frame (the parse it cannot avoid)
//   sentence_splitter fed token by token  vs  appending the same tokens to a string
//   sse_parser on a streamed reply  vs  scanning the same bytes for "\n\n"
//   the call journal's share of one turn (its events and stage latencies), with and without a
//   dashboard listening  vs  json::parse of the turn's transcript frame
// Prints ns per operation and the ratio to the baseline. Figures, not assertions.

#include <chrono>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "protocol/call_journal.hpp"
#include "protocol/sentence_splitter.hpp"
#include "protocol/sse_parser.hpp"
#include "protocol/voipbin_event.hpp"

namespace {

std::size_t sink_value = 0;
// Keeps results alive so the optimiser cannot drop the measured work.
void keep(std::size_t x) {
  sink_value += x;
  asm volatile("" : : "r"(sink_value) : "memory");
}

template <class F>
double ns_per_op(F&& f, int iterations) {
  for (int i = 0; i < iterations / 10; ++i) f();  // warm up
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < iterations; ++i) f();
  auto ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
  return ns / iterations;
}

void row(const char* what, double ns, const char* baseline, double base_ns) {
  std::printf("%-34s %10.0f ns   %-30s %10.0f ns   ratio %5.2f\n", what, ns, baseline, base_ns, ns / base_ns);
}

}  // namespace

int main() {
  const std::string frame =
      R"({"id":"6f1c9a0e-2b7d-4c55-9e3a-1d2b3c4d5e6f","customer_id":"8d3e0a5c-6b1f-4c2a-9f7e-0a1b2c3d4e5f",)"
      R"("transcribe_id":"0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d","direction":"in",)"
      R"("message":"Hi, I'd like to book a table for two tonight, around seven thirty if you can.",)"
      R"("tm_transcript":"0001-01-01T00:00:05.1Z","tm_create":"2026-11-24T04:42:01.633000Z"})";
  auto classify = ns_per_op([&] { keep(parley::voipbin::classify_frame(frame).ok()); }, 200000);
  auto parse = ns_per_op([&] { keep(nlohmann::json::parse(frame).size()); }, 200000);
  row("classify_frame (transcript)", classify, "json::parse", parse);

  std::vector<std::string> tokens;
  const std::string reply =
      "Happy to help with a booking. What time would you like? We have tables at seven, "
      "seven thirty and eight. Dr. Smith usually books the 3.5 hour tasting menu!";
  std::string word;
  for (char c : reply) {
    if (c == ' ' && !word.empty()) tokens.push_back(std::exchange(word, ""));
    word += c;
  }
  tokens.push_back(word);
  auto split = ns_per_op(
      [&] {
        parley::sentence_splitter s;
        for (const auto& t : tokens) keep(s.feed(t).size());
        keep(s.finish().size());
      },
      50000);
  auto append = ns_per_op(
      [&] {
        std::string s;
        for (const auto& t : tokens) s += t;
        keep(s.size());
      },
      50000);
  row("sentence_splitter, whole reply", split, "string append", append);
  std::printf("%-34s %10.0f ns per token\n", "", split / static_cast<double>(tokens.size()));

  std::string stream;
  for (const auto& t : tokens)
    stream +=
        R"(data: {"id":"x","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":")" + t +
        R"("},"finish_reason":null}]})" + "\n\n";
  stream += "data: [DONE]\n\n";
  auto sse = ns_per_op(
      [&] {
        parley::sse_parser p;
        for (std::size_t i = 0; i < stream.size(); i += 512)
          keep(p.feed(std::string_view(stream).substr(i, 512)).size());
      },
      20000);
  auto scan = ns_per_op(
      [&] {
        std::size_t n = 0;
        for (auto pos = stream.find("\n\n"); pos != std::string::npos; pos = stream.find("\n\n", pos + 2))
          ++n;
        keep(n);
      },
      20000);
  row("sse_parser, whole reply stream", sse, "find \"\\n\\n\"", scan);
  std::printf("(%zu tokens, %zu stream bytes)\n", tokens.size(), stream.size());

  // One turn as the supervisor tells the journal: the caller's line, three pieces said, what was
  // heard, four stage latencies. The call ends every 20 turns, so the conversation stays short.
  using kind = parley::plugin::call_event_kind;
  auto journal_turns = [&](parley::call_journal& journal) {
    uint64_t turn = 0, call = 0;
    std::string id = "call-0";
    journal.begin({id, "default", "+15550100", "+15550199", "en-US"}, "inbound", 1);
    return [&journal, turn, call, id]() mutable {
      ++turn;
      journal.event(id, {kind::caller_said, "I'd like a table for two tonight.", {}, {}, false, turn, 1});
      for (const char* piece :
           {"Happy to help with a booking.", "What time would you like?", "We have seven."})
        journal.event(id, {kind::agent_said, piece, {}, {}, false, turn, 2});
      for (const char* stage : {"llm_request", "first_token", "first_say", "say_answered"})
        journal.latency(id, turn, stage, 12.5);
      journal.event(id, {kind::heard,
                         "Happy to help with a booking. What time would you like? We have seven.",
                         {},
                         {},
                         false,
                         turn,
                         3});
      if (turn % 20 == 0) {
        journal.event(id, {kind::ended, "call over", {}, {}, false, turn, 4});
        id = "call-" + std::to_string(++call);
        journal.begin({id, "default", "+15550100", "+15550199", "en-US"}, "inbound", 1);
      }
    };
  };
  parley::call_journal quiet;
  auto quiet_turn = journal_turns(quiet);
  auto unwatched = ns_per_op(quiet_turn, 100000);
  parley::call_journal watched;
  std::size_t streamed = 0;
  watched.subscribe([&](std::string_view, const std::string& data) { streamed += data.size(); });
  auto watched_turn = journal_turns(watched);
  auto listened = ns_per_op(watched_turn, 20000);
  keep(streamed);
  row("call journal, one turn", unwatched, "json::parse (transcript)", parse);
  row("call journal, one turn, streamed", listened, "json::parse (transcript)", parse);
  return 0;
}
