// The call records (records.dir): a call's line once it ends, and what a SIGKILL at any moment
// leaves in the files: whole lines only, none of them lost, a partial last line cut at the
// next start. Killed mid-write twice over: the record writer alone writing large records, and
// parley serving calls.

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>

#include "conversation_fixture.hpp"
#include "startup_errors.hpp"

using namespace parley;
using namespace parley::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

fs::path fresh_dir(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("parley-records-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir;
}

bool is_record_file(const fs::path& p) {
  auto name = p.filename().string();
  return name.rfind("calls-", 0) == 0 && p.extension() == ".jsonl";
}

uint64_t total_bytes(const fs::path& dir) {
  uint64_t bytes = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (is_record_file(e.path())) bytes += fs::file_size(e.path(), ec);
  return bytes;
}

// Reads the record files of a directory from where the last look stopped: every line up to a
// file's last '\n' is checked once; what follows it can only be a partial line a kill left,
// which the next start cuts. A file shorter than the whole lines already seen lost a record.
class record_files {
 public:
  explicit record_files(fs::path dir) : dir_(std::move(dir)) {}

  void look() {
    torn_ = 0;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir_, ec)) {
      if (!is_record_file(e.path())) continue;
      auto name = e.path().filename().string();
      auto& checked = checked_[name];
      std::ifstream in(e.path(), std::ios::binary);
      in.seekg(0, std::ios::end);
      auto size = static_cast<uint64_t>(in.tellg());
      ASSERT_GE(size, checked) << name << ": whole lines were lost";
      std::string tail(size - checked, '\0');
      in.seekg(static_cast<std::streamoff>(checked));
      in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
      auto last = tail.rfind('\n');
      if (last != tail.size() - 1) ++torn_;
      if (last == std::string::npos) continue;
      std::size_t start = 0;
      while (start <= last) {
        auto end = tail.find('\n', start);
        auto line = std::string_view(tail).substr(start, end - start);
        auto j = json::parse(line, nullptr, false);
        ASSERT_FALSE(j.is_discarded())
            << name << " at " << checked + start << ": not JSON: " << line.substr(0, 200);
        ASSERT_TRUE(j.is_object() && j.value("record", 0) == 1 && j["call_id"].is_string() &&
                    j["conversation"].is_array())
            << name << ": " << line.substr(0, 200);
        ids_.push_back(j["call_id"]);
        ++lines_;
        start = end + 1;
      }
      checked += last + 1;
    }
  }

  std::size_t lines() const { return lines_; }
  // Files that ended in a partial line at the last look.
  std::size_t torn() const { return torn_; }
  const std::vector<std::string>& call_ids() const { return ids_; }

 private:
  fs::path dir_;
  std::map<std::string, uint64_t> checked_;  // bytes of whole lines seen
  std::size_t lines_ = 0;
  std::size_t torn_ = 0;
  std::vector<std::string> ids_;
};

// The number after "repaired " in the writer program's output, once it has started.
std::optional<uint64_t> repaired(const child_process& p) {
  auto out = p.output();
  auto at = out.find("repaired ");
  if (at == std::string::npos || out.find('\n', at) == std::string::npos) return std::nullopt;
  return std::stoull(out.substr(at + 9));
}

}  // namespace

// The record writer appends records of about 512 KB (a write(2) of that takes a while) as fast
// as it can; it is killed 32 times, each time after one to three new whole lines and a varying
// part of the next record, and started again. Every line is whole JSON, no whole line is ever lost, and after
// the last start every file ends with '\n'.
TEST(RecordsCrash, AWriterKilledAtAnyMomentLeavesOnlyWholeLines) {
  auto dir = fresh_dir("crash");
  const uint64_t record_size = 512 * 1024;
  const std::string cap = std::to_string(4 * 1024 * 1024);  // rollovers too
  record_files files(dir);
  uint64_t cut_at_start = 0;
  std::size_t torn_seen = 0;
  for (int round = 0; round < 32; ++round) {
    child_process writer(RECORD_WRITER_CRASH_BINARY, {dir.string(), cap, std::to_string(record_size)});
    ASSERT_TRUE(eventually([&] { return repaired(writer) || writer.wait(0ms); }, 30s)) << writer.output();
    auto cut = repaired(writer);
    ASSERT_TRUE(cut) << writer.output();
    cut_at_start += *cut;
    // One to three new whole lines, then on by 0 to 1 record's worth of bytes: the kill comes
    // while a record is serialised, written or queued.
    auto lines_before = files.lines();
    auto whole = lines_before + 1 + static_cast<std::size_t>(round % 3);
    ASSERT_TRUE(eventually(
        [&] {
          files.look();
          return files.lines() >= whole;
        },
        60s))
        << writer.output();
    auto then = total_bytes(dir);
    auto further = record_size / 3 * static_cast<uint64_t>(round % 4);
    ASSERT_TRUE(eventually([&] { return total_bytes(dir) >= then + further; }, 60s)) << writer.output();
    ASSERT_EQ(writer.kill(), 128 + 9);
    ASSERT_NO_FATAL_FAILURE(files.look());
    torn_seen += files.torn();
  }
  // A last start cuts what the last kill left, and writes nothing.
  child_process last(RECORD_WRITER_CRASH_BINARY, {dir.string(), cap, "0"});
  ASSERT_EQ(last.wait(30s), 0) << last.output();
  cut_at_start += repaired(last).value_or(0);
  auto lines_before = files.lines();
  ASSERT_NO_FATAL_FAILURE(files.look());
  EXPECT_EQ(files.torn(), 0u);
  EXPECT_EQ(files.lines(), lines_before);
  // Each partial line seen after a kill was cut by the next start.
  EXPECT_EQ(cut_at_start, torn_seen);
  std::size_t rolled = 0;
  for (const auto& e : fs::directory_iterator(dir)) rolled += e.path().stem().extension() != "";
  EXPECT_GT(rolled, 0u) << "no file rolled over";
  std::cout << "[ records  ] " << files.lines() << " whole lines; " << torn_seen
            << " kills left a partial line, each cut at the next start; " << rolled << " rolled files\n";
  fs::remove_all(dir);
}

class Records : public Conversation {
 protected:
  void TearDown() override {
    Conversation::TearDown();
    fs::remove_all(dir);
  }
  fs::path dir = fresh_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
};

// One call whose caller talks over the agent's first answer: its record line has both turns,
// what the agent said and what the caller heard of it, the barge-in, the stage latencies and
// how the call ended.
TEST_F(Records, AnEndedCallIsOneLineWithItsTurnsAndTheBargeIn) {
  const std::string menu_reply =
      "Sure, let me tell you about our menu. We have soups, salads and twelve kinds of pasta. "
      "Every dish is made fresh in our kitchen each morning.";
  const std::string second_reply = "Of course, what would you like to know?";
  sim::llm_sim_options lo;
  lo.replies = {menu_reply, second_reply};
  lo.first_token_delay = 50ms;
  lo.token_delay = 10ms;
  start(lo, {"--agent.greeting=\"\"", "--agent.tts-provider=gcp", "--records.dir=" + dir.string()}, 300ms,
        PARLEY_BINARY, [](sim::voipbin_sim_options& o) {
          o.playout_chars_per_second = 40;
          o.word_ms = 120ms;
        });
  auto call = voipbin->place_call({{sim::caller_turn{"Tell me about the menu."},
                                    sim::caller_turn{"wait stop I have a question", 1200ms}}});
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 1; })) << parley->output();
  record_files files(dir);
  ASSERT_TRUE(eventually([&] {
    files.look();
    return files.lines() == 1;
  })) << parley->output();
  EXPECT_EQ(metric("parley_records_written_total"), 1);
  EXPECT_EQ(metric("parley_records_dropped_total"), 0);

  fs::path path;
  for (const auto& e : fs::directory_iterator(dir)) path = e.path();
  std::ifstream in(path);
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  auto r = json::parse(line);
  EXPECT_EQ(r["call_id"], call);
  EXPECT_EQ(r["source"], "+15550100");
  EXPECT_EQ(r["destination"], "+15550199");
  EXPECT_EQ(r["profile"], "default");
  EXPECT_EQ(r["direction"], "inbound");
  EXPECT_EQ(r["phase"], "ended");
  EXPECT_FALSE(r["ended"].get<std::string>().empty()) << line;
  EXPECT_TRUE(r["ended_at"].is_string()) << line;
  EXPECT_TRUE(r["started_at"].is_string()) << line;
  auto turns = r["conversation"];
  ASSERT_EQ(turns.size(), 2u) << line;
  auto first = turns[0], second = turns[1];
  EXPECT_EQ(first["caller"], "Tell me about the menu.");
  auto said = first["said"].get<std::string>(), heard = first["heard"].get<std::string>();
  EXPECT_FALSE(said.empty()) << line;
  EXPECT_EQ(menu_reply.rfind(said, 0), 0u) << said;  // what VoIPBIN took of the reply
  EXPECT_FALSE(heard.empty()) << line;
  EXPECT_LT(heard.size(), menu_reply.size()) << heard;  // cut off
  EXPECT_EQ(first["interrupted"], true);
  EXPECT_EQ(second["caller"], "wait stop I have a question");
  EXPECT_EQ(second["said"], second_reply);
  EXPECT_EQ(second["interrupted"], false);
  for (const auto& t : {first, second}) {
    auto latency = t["latency_ms"];
    ASSERT_TRUE(latency.contains("first_say")) << line;
    EXPECT_GT(latency["first_say"].get<double>(), 0) << line;
    EXPECT_LE(latency["llm_request"].get<double>(), latency["first_say"].get<double>()) << line;
  }
}

// parley serving short calls is killed with SIGKILL ten times, each time once a new record has
// appeared, and started again: every line in the files is a whole record.
TEST_F(Records, ParleyKilledInALoopLeavesOnlyWholeRecords) {
  sim::llm_sim_options lo;
  lo.replies = {"Sure.", "Goodbye then."};
  std::vector<std::string> extra = {"--agent.greeting=\"Hi.\"", "--records.dir=" + dir.string()};
  start(lo, extra, 100ms);
  record_files files(dir);
  for (int round = 0; round < 10; ++round) {
    auto before = files.lines();
    for (int i = 0; i < 3; ++i)
      voipbin->place_call({std::vector<std::string>{"Hello there.", "Thanks, bye."}});
    ASSERT_TRUE(eventually(
        [&] {
          files.look();
          return files.lines() > before;
        },
        60s))
        << parley->output();
    ASSERT_EQ(parley->kill(), 128 + 9);
    ASSERT_TRUE(eventually([&] { return voipbin->subscribers() == 0; }));
    ASSERT_NO_FATAL_FAILURE(files.look());
    ASSERT_NO_FATAL_FAILURE(launch(extra));
  }
  // The calls live at the last kill end under the last parley, which writes them on its way out.
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == voipbin->calls_placed(); }, 60s))
      << parley->output();
  ASSERT_EQ(parley->terminate(), 0) << parley->output();
  ASSERT_NO_FATAL_FAILURE(files.look());
  EXPECT_EQ(files.torn(), 0u);
  EXPECT_GE(files.lines(), 10u);
  std::cout << "[ records  ] " << files.lines() << " records of " << voipbin->calls_placed() << " calls\n";
}

// A records.dir parley cannot write stops start-up with one line naming it.
TEST(RecordsStartUp, ADirectoryThatCannotBeMadeIsRefused) {
  auto dir = fresh_dir("refused");
  fs::create_directories(dir);
  std::ofstream(dir / "file") << "x";
  auto bad = (dir / "file" / "records").string();
  expect_refused({"--voipbin.accesskey=k", "--voipbin.customer-id=8d3e0a5c-6b1f-4c2a-9f7e-0a1b2c3d4e5f",
                  "--records.dir=" + bad},
                 "records.dir: " + bad +
                     ": cannot create it (Not a directory); create it or make it writable by parley");
  expect_refused({"--voipbin.accesskey=k", "--voipbin.customer-id=8d3e0a5c-6b1f-4c2a-9f7e-0a1b2c3d4e5f",
                  "--records.max-file-size=1000"},
                 "records.max-file-size: must be at least 4096 bytes");
  fs::remove_all(dir);
}
