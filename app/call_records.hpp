#pragma once
// The call records (records.dir, docs/operations.md#call-records): each ended call's whole
// record as one JSON line, appended to a file of the day it ended. Callers hand records over
// without waiting; one thread of the writer's own appends them. No CAF here.
//
// A line only ever reaches a file whole: it goes out with one write(2) on an O_APPEND file, and
// the only damage a crash can do, a partial last line, is cut off when the file is next opened.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "protocol/call_record.hpp"
#include "protocol/metrics.hpp"
#include "protocol/result.hpp"

namespace parley {

struct record_options {
  std::string dir;                                // empty: no call records
  uint64_t max_file_size = 100ull * 1024 * 1024;  // a file's size cap, in bytes
  int64_t keep_days = 30;                         // files of older days are deleted; 0 keeps all
  std::size_t max_queue = 10000;                  // records waiting; more are dropped (a stuck disk)
};

// The smallest records.max-file-size taken.
inline constexpr uint64_t min_record_file_size = 4096;

// "calls-2026-12-01.jsonl", or "calls-2026-12-01.3.jsonl" for the day's file after the third
// rollover.
std::string record_file_name(const std::string& date, uint64_t index);
// The UTC date of a time as "2026-12-01".
std::string utc_date(int64_t unix_ms);
// The record as its line: {"record":1, ...to_json(r)} and '\n'.
std::string record_line(const call_record& r);

class record_writer {
 public:
  // Counts into stats.records_written_total, _dropped_total and _repaired_total.
  record_writer(record_options options, metrics& stats);
  ~record_writer();  // stop()
  record_writer(const record_writer&) = delete;
  record_writer& operator=(const record_writer&) = delete;

  // Creates the directory if missing, checks that it can be written, cuts the partial last
  // line a crash left in any record file, deletes the files older than keep_days and starts
  // the writing thread. The failure is "records.dir: <path>: <why>; ...", one line.
  std::optional<failure> start();
  // Queues the record (a copy) and returns; any thread. Dropped and counted when the queue is
  // full or the writer is not running.
  void write(const call_record& r);
  // Writes every queued record, then ends the thread. Idempotent.
  void stop();

 private:
  void run();
  void append(const call_record& r);
  bool open_newest(const std::string& date);
  // fresh: a new file, at `index` or the next free one after it.
  bool open_index(uint64_t index, bool fresh);
  bool write_line(const std::string& line);
  void close_file();
  void delete_old_files();
  // Logs an error once per kind until a line is written again.
  void report(const std::string& kind, const std::string& message);

  const record_options opts_;
  metrics& stats_;

  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<call_record> queue_;
  bool running_ = false;
  bool stopping_ = false;
  bool queue_full_reported_ = false;
  std::thread thread_;

  // The writing thread's alone.
  int fd_ = -1;
  std::string date_;  // of the open file
  uint64_t index_ = 0;
  uint64_t size_ = 0;
  std::string cleaned_on_;  // the UTC date old files were last deleted on
  std::set<std::string> reported_;
};

}  // namespace parley
