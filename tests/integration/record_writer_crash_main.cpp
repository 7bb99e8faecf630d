// record-writer-crash DIR MAX_FILE_SIZE RECORD_BYTES: the real record_writer appending large
// call records to DIR as fast as it can, until it is killed. The crash test SIGKILLs it at
// varying moments and starts it again (records_test.cpp). RECORD_BYTES 0: only open (repair)
// and stop.
//
// Prints "repaired N" once started: the partial lines its start cut.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include <unistd.h>

#include "app/call_records.hpp"

int main(int argc, char** argv) {
  using namespace parley;
  if (argc != 4) {
    std::fprintf(stderr, "usage: record-writer-crash DIR MAX_FILE_SIZE RECORD_BYTES\n");
    return 2;
  }
  record_options o;
  o.dir = argv[1];
  o.max_file_size = std::strtoull(argv[2], nullptr, 10);
  o.keep_days = 0;
  std::size_t record_bytes = std::strtoull(argv[3], nullptr, 10);
  metrics stats;
  record_writer writer(o, stats);
  if (auto err = writer.start()) {
    std::fprintf(stderr, "%s\n", err->message.c_str());
    return 2;
  }
  std::printf("repaired %llu\n", static_cast<unsigned long long>(stats.records_repaired_total.value()));
  std::fflush(stdout);
  if (record_bytes == 0) return 0;  // the writer stops as it goes out of scope

  // A long conversation: turns of about 2 KB until the record has `record_bytes`.
  call_record r;
  r.call = {"", "default", "+15550100", "+15550111", "en-US"};
  r.started_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  r.ended = "hung up by the caller";
  r.phase = "ended";
  const std::string sentence = "And then I would like to know more about the opening hours of the shop. ";
  std::size_t bytes = 0;
  for (uint64_t t = 1; bytes < record_bytes; ++t) {
    turn_record turn;
    turn.turn = t;
    turn.unix_ms = r.started_unix_ms;
    while (turn.caller.size() < 1000) turn.caller += sentence;
    turn.said = turn.caller;
    turn.heard = turn.caller.substr(0, 500);
    turn.interrupted = t % 3 == 0;
    turn.latency_ms = {{"llm_request", 1.5}, {"first_token", 90}, {"first_say", 130}};
    bytes += turn.caller.size() + turn.said.size() + turn.heard.size() + 200;
    r.turns.push_back(std::move(turn));
  }
  auto pid = std::to_string(::getpid());
  for (uint64_t n = 0;; ++n) {
    // Two records in flight at most: the queue is not what this exercises, the files are.
    while (n >= stats.records_written_total.value() + stats.records_dropped_total.value() + 2)
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    r.call.call_id = pid + "-" + std::to_string(n);
    r.ended_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
    writer.write(r);
  }
}
