#include "app/call_records.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/settings.hpp"

using namespace parley;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// 2026-12-01T09:30:00Z
constexpr int64_t ended_ms = 1796117400000;
const std::string ended_date = "2026-12-01";

class CallRecords : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("parley-records-test-" + std::to_string(::getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
  }
  void TearDown() override { fs::remove_all(dir); }

  record_options options() const {
    record_options o;
    o.dir = dir.string();
    return o;
  }

  static call_record record(const std::string& id, std::size_t turns = 1, std::size_t words = 3) {
    call_record r;
    r.call = {id, "sales", "+15550100", "+15550111", "en-US"};
    r.started_unix_ms = ended_ms - 60000;
    r.ended_unix_ms = ended_ms;
    r.ended = "hung up by the caller";
    r.phase = "ended";
    for (uint64_t t = 1; t <= turns; ++t) {
      turn_record tr;
      tr.turn = t;
      tr.unix_ms = ended_ms - 50000 + static_cast<int64_t>(t);
      for (std::size_t w = 0; w < words; ++w) tr.caller += (w ? " " : "") + std::string("word");
      tr.said = "Sure, one moment.";
      tr.heard = "Sure,";
      tr.interrupted = true;
      tr.tools.push_back({"end_call", "{}", "ok", false});
      tr.latency_ms = {{"llm_request", 2.5}, {"first_token", 80}, {"first_say", 120.25}};
      r.turns.push_back(std::move(tr));
    }
    return r;
  }

  // Every line of a file; each must end with '\n'.
  static std::vector<std::string> lines_of(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    auto all = text.str();
    EXPECT_TRUE(all.empty() || all.back() == '\n') << path;
    std::vector<std::string> lines;
    std::istringstream split(all);
    for (std::string line; std::getline(split, line);) lines.push_back(line);
    return lines;
  }

  fs::path file(const std::string& date, uint64_t index = 0) const {
    return dir / record_file_name(date, index);
  }

  static std::string date_days_ago(int days) {
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    return utc_date(now - int64_t(days) * 86400000);
  }

  fs::path dir;
  metrics stats;
};

}  // namespace

TEST_F(CallRecords, ARecordIsOneParsableLineWithItsFields) {
  record_writer w(options(), stats);
  ASSERT_FALSE(w.start());
  w.write(record("call-1", 2));
  w.stop();
  auto lines = lines_of(file(ended_date));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].rfind("{\"record\":1,", 0), 0u) << lines[0];
  auto j = json::parse(lines[0]);
  EXPECT_EQ(j["record"], 1);
  EXPECT_EQ(j["call_id"], "call-1");
  EXPECT_EQ(j["profile"], "sales");
  EXPECT_EQ(j["source"], "+15550100");
  EXPECT_EQ(j["destination"], "+15550111");
  EXPECT_EQ(j["started_at"], "2026-12-01T09:29:00.000Z");
  EXPECT_EQ(j["ended_at"], "2026-12-01T09:30:00.000Z");
  EXPECT_EQ(j["ended"], "hung up by the caller");
  ASSERT_EQ(j["conversation"].size(), 2u);
  auto t = j["conversation"][1];
  EXPECT_EQ(t["turn"], 2);
  EXPECT_EQ(t["caller"], "word word word");
  EXPECT_EQ(t["said"], "Sure, one moment.");
  EXPECT_EQ(t["heard"], "Sure,");
  EXPECT_EQ(t["interrupted"], true);
  EXPECT_EQ(t["tools"][0]["name"], "end_call");
  EXPECT_EQ(t["latency_ms"]["first_say"], 120.25);
  EXPECT_EQ(stats.records_written_total.value(), 1u);
  EXPECT_EQ(stats.records_dropped_total.value(), 0u);
  EXPECT_EQ(fs::status(file(ended_date)).permissions() & fs::perms::others_all, fs::perms::none);
}

TEST_F(CallRecords, ALineIsWholeEvenWithInvalidUtf8) {
  auto r = record("call-utf8");
  r.turns[0].caller = "caf\xc3";  // cut in the middle of a character
  std::string line;
  ASSERT_NO_THROW(line = record_line(r));
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  EXPECT_EQ(json::parse(line)["call_id"], "call-utf8");
}

TEST_F(CallRecords, TheSizeCapRollsOverToTheNextFileOfTheDay) {
  auto o = options();
  o.max_file_size = 4096;
  auto line_size = record_line(record("call-00", 4)).size();
  ASSERT_GT(line_size, 1300u);
  ASSERT_LT(line_size, 2048u);  // two fit in a file, three do not
  record_writer w(o, stats);
  ASSERT_FALSE(w.start());
  for (int i = 0; i < 5; ++i) w.write(record("call-0" + std::to_string(i), 4));
  w.stop();
  std::vector<std::string> ids;
  for (uint64_t index : {0, 1, 2}) {
    ASSERT_TRUE(fs::exists(file(ended_date, index))) << index;
    EXPECT_LE(fs::file_size(file(ended_date, index)), 4096u);
    for (const auto& line : lines_of(file(ended_date, index))) ids.push_back(json::parse(line)["call_id"]);
  }
  EXPECT_FALSE(fs::exists(file(ended_date, 3)));
  EXPECT_EQ(ids, (std::vector<std::string>{"call-00", "call-01", "call-02", "call-03", "call-04"}));
  EXPECT_EQ(lines_of(file(ended_date, 2)).size(), 1u);
}

TEST_F(CallRecords, ARestartGoesOnInTheNewestFileOfTheDay) {
  fs::create_directories(dir);
  std::ofstream(file(ended_date)) << "{\"call_id\":\"a\"}\n";
  std::ofstream(file(ended_date, 2)) << "{\"call_id\":\"b\"}\n";
  record_writer w(options(), stats);
  ASSERT_FALSE(w.start());
  w.write(record("c"));
  w.stop();
  EXPECT_EQ(lines_of(file(ended_date)).size(), 1u);
  auto newest = lines_of(file(ended_date, 2));
  ASSERT_EQ(newest.size(), 2u);
  EXPECT_EQ(json::parse(newest[1])["call_id"], "c");
}

TEST_F(CallRecords, APartialLastLineIsCutWhenTheFileIsOpened) {
  fs::create_directories(dir);
  const std::string whole = "{\"call_id\":\"whole\"}\n";
  std::ofstream(file(ended_date)) << whole << "{\"call_id\":\"torn\",\"conversation\":[{\"tur";
  std::ofstream(file("2026-11-30")) << "{\"call_id\":\"torn-only";  // no whole line at all
  record_writer w(options(), stats);
  ASSERT_FALSE(w.start());
  EXPECT_EQ(stats.records_repaired_total.value(), 2u);
  EXPECT_EQ(fs::file_size(file(ended_date)), whole.size());
  EXPECT_EQ(fs::file_size(file("2026-11-30")), 0u);
  w.write(record("after"));
  w.stop();
  auto lines = lines_of(file(ended_date));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(json::parse(lines[0])["call_id"], "whole");
  EXPECT_EQ(json::parse(lines[1])["call_id"], "after");
}

TEST_F(CallRecords, FilesOlderThanKeepDaysAreDeleted) {
  fs::create_directories(dir);
  auto make = [&](const std::string& name) { std::ofstream(dir / name) << "{}\n"; };
  for (int days : {40, 30}) {
    make(record_file_name(date_days_ago(days), 0));
    make(record_file_name(date_days_ago(days), 1));
  }
  for (int days : {29, 1, 0}) make(record_file_name(date_days_ago(days), 0));
  make("notes.txt");
  make("calls-2020-13-45.jsonl");  // not a date: not a record file
  auto o = options();
  o.keep_days = 30;  // today and the 29 days before
  {
    record_writer w(o, stats);
    ASSERT_FALSE(w.start());
  }
  for (int days : {40, 30}) {
    EXPECT_FALSE(fs::exists(file(date_days_ago(days)))) << days;
    EXPECT_FALSE(fs::exists(file(date_days_ago(days), 1))) << days;
  }
  for (int days : {29, 1, 0}) EXPECT_TRUE(fs::exists(file(date_days_ago(days)))) << days;
  EXPECT_TRUE(fs::exists(dir / "notes.txt"));
  EXPECT_TRUE(fs::exists(dir / "calls-2020-13-45.jsonl"));

  // 0 keeps every file.
  make(record_file_name("2001-01-01", 0));
  o.keep_days = 0;
  record_writer keep_all(o, stats);
  ASSERT_FALSE(keep_all.start());
  keep_all.stop();
  EXPECT_TRUE(fs::exists(file("2001-01-01")));
}

TEST_F(CallRecords, StopWritesEveryQueuedRecord) {
  record_writer w(options(), stats);
  ASSERT_FALSE(w.start());
  for (int i = 0; i < 2000; ++i) w.write(record("call-" + std::to_string(i), 3));
  w.stop();
  auto lines = lines_of(file(ended_date));
  ASSERT_EQ(lines.size(), 2000u);
  for (int i = 0; i < 2000; ++i) EXPECT_EQ(json::parse(lines[i])["call_id"], "call-" + std::to_string(i));
  EXPECT_EQ(stats.records_written_total.value(), 2000u);
  EXPECT_EQ(stats.records_dropped_total.value(), 0u);
  // A writer that stopped takes no more: the record is counted as dropped.
  w.write(record("late"));
  EXPECT_EQ(stats.records_dropped_total.value(), 1u);
  EXPECT_EQ(lines_of(file(ended_date)).size(), 2000u);
}

TEST_F(CallRecords, AMissingDirectoryIsMade) {
  auto o = options();
  o.dir = (dir / "a" / "b").string();
  record_writer w(o, stats);
  ASSERT_FALSE(w.start());
  EXPECT_TRUE(fs::is_directory(dir / "a" / "b"));
  w.write(record("x"));
  w.stop();
  EXPECT_EQ(lines_of(dir / "a" / "b" / record_file_name(ended_date, 0)).size(), 1u);
}

TEST_F(CallRecords, ADirectoryThatCannotBeWrittenIsAnErrorValue) {
  fs::create_directories(dir);
  std::ofstream(dir / "plain-file") << "x";
  auto o = options();
  o.dir = (dir / "plain-file" / "records").string();
  record_writer under_a_file(o, stats);
  auto err = under_a_file.start();
  ASSERT_TRUE(err);
  EXPECT_EQ(err->message,
            "records.dir: " + o.dir +
                ": cannot create it (Not a directory); create it or make it writable by parley");
  o.dir = (dir / "plain-file").string();
  record_writer a_file(o, stats);
  err = a_file.start();
  ASSERT_TRUE(err);
  EXPECT_EQ(err->message,
            "records.dir: " + o.dir + ": is not a directory; create it or make it writable by parley");
  if (::geteuid() != 0) {  // root writes anywhere
    fs::create_directories(dir / "read-only");
    fs::permissions(dir / "read-only", fs::perms::owner_read | fs::perms::owner_exec);
    o.dir = (dir / "read-only").string();
    record_writer read_only(o, stats);
    err = read_only.start();
    ASSERT_TRUE(err);
    EXPECT_EQ(err->message,
              "records.dir: " + o.dir +
                  ": cannot write in it (Permission denied); create it or make it writable by parley");
    fs::permissions(dir / "read-only", fs::perms::owner_all);
  }
  // Records handed to a writer that never started are dropped, and counted.
  under_a_file.write(record("x"));
  EXPECT_EQ(stats.records_dropped_total.value(), 1u);
}

TEST(CallRecordSettings, SizeAndDaysAreChecked) {
  const std::vector<std::string> providers = {"openai"};
  raw_options r;
  r.voipbin_accesskey = "key";
  r.voipbin_customer_id = "8d3e0a5c-6b1f-4c2a-9f7e-0a1b2c3d4e5f";
  auto s = validate(r, providers);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->records.dir, "");
  EXPECT_EQ(s->records.max_file_size, 100u * 1024 * 1024);
  EXPECT_EQ(s->records.keep_days, 30);
  r.records_dir = "/var/lib/parley/records";
  r.records_max_file_size = 4096;
  r.records_keep_days = 0;
  s = validate(r, providers);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->records.dir, "/var/lib/parley/records");
  EXPECT_EQ(s->records.max_file_size, 4096u);
  EXPECT_EQ(s->records.keep_days, 0);
  for (int64_t size : {0, 4095, -1}) {
    r.records_max_file_size = size;
    s = validate(r, providers);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().message,
              "records.max-file-size: must be at least 4096 bytes (e.g. 104857600 for 100 MiB)");
  }
  r.records_max_file_size = 4096;
  r.records_keep_days = -1;
  s = validate(r, providers);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, "records.keep-days: must be between 0 (keep every file) and 36500 days");
}
