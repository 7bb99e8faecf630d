#include "app/call_records.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <vector>

namespace parley {

namespace {

namespace fs = std::filesystem;

constexpr std::chrono::seconds idle_wake{60};  // how often an idle writer looks at the date

std::string why(int err) {
  return std::strerror(err);
}

// Days since 1970 of "2026-12-01"; nullopt when it is no date.
std::optional<int64_t> day_number(const std::string& date) {
  int y = 0, m = 0, d = 0;
  if (std::sscanf(date.c_str(), "%4d-%2d-%2d", &y, &m, &d) != 3) return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(static_cast<unsigned>(m)),
                                  std::chrono::day(static_cast<unsigned>(d))};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days(ymd).time_since_epoch().count();
}

// A record file's date and index, from its name; nullopt for any other file.
std::optional<std::pair<std::string, uint64_t>> parse_file_name(const std::string& name) {
  constexpr std::string_view prefix = "calls-", suffix = ".jsonl";
  constexpr std::size_t date_size = 10;  // 2026-12-01
  if (name.size() < prefix.size() + date_size + suffix.size() || name.rfind(prefix, 0) != 0 ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
    return std::nullopt;
  auto date = name.substr(prefix.size(), date_size);
  auto middle =
      name.substr(prefix.size() + date_size, name.size() - prefix.size() - date_size - suffix.size());
  uint64_t index = 0;
  if (!middle.empty()) {
    if (middle.size() < 2 || middle[0] != '.' || middle.size() > 12) return std::nullopt;
    for (char c : middle.substr(1)) {
      if (c < '0' || c > '9') return std::nullopt;
      index = index * 10 + static_cast<uint64_t>(c - '0');
    }
  }
  // A real date, written as utc_date() writes it.
  auto day = day_number(date);
  if (!day || utc_date(*day * 86400000LL) != date) return std::nullopt;
  return std::make_pair(date, index);
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Cuts a partial last line (a crash mid-write) so the file ends with '\n' again. Returns the
// bytes cut, or the errno of a failure.
struct cut_result {
  uint64_t cut = 0;
  int error = 0;
};
cut_result cut_partial_line(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return {0, errno};
  auto size = static_cast<uint64_t>(st.st_size);
  if (size == 0) return {};
  char last = 0;
  if (::pread(fd, &last, 1, static_cast<off_t>(size - 1)) != 1) return {0, errno ? errno : EIO};
  if (last == '\n') return {};
  // Lines are only ever appended, so the damage is at the end: look back for the last '\n'.
  std::vector<char> buf(64 * 1024);
  uint64_t end = size, keep = 0;
  while (end > 0 && keep == 0) {
    auto start = end > buf.size() ? end - buf.size() : 0;
    auto n = ::pread(fd, buf.data(), end - start, static_cast<off_t>(start));
    if (n < 0) {
      if (errno == EINTR) continue;
      return {0, errno};
    }
    if (static_cast<uint64_t>(n) != end - start) return {0, EIO};
    for (auto i = end - start; i > 0; --i)
      if (buf[i - 1] == '\n') {
        keep = start + i;
        break;
      }
    end = start;
  }
  if (::ftruncate(fd, static_cast<off_t>(keep)) != 0) return {0, errno};
  return {size - keep, 0};
}

}  // namespace

std::string record_file_name(const std::string& date, uint64_t index) {
  return "calls-" + date + (index == 0 ? "" : "." + std::to_string(index)) + ".jsonl";
}

std::string utc_date(int64_t unix_ms) {
  auto secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

std::string record_line(const call_record& r) {
  // Invalid UTF-8 in a transcript must not lose the record: it is replaced, not thrown on.
  auto body = to_json(r).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string line = "{\"record\":1";
  line.reserve(body.size() + 16);
  if (body.size() > 2) line += ',';
  line.append(body, 1, std::string::npos);  // to_json is an object: "{...}"
  line += '\n';
  return line;
}

record_writer::record_writer(record_options options, metrics& stats)
    : opts_(std::move(options)), stats_(stats) {}

record_writer::~record_writer() {
  stop();
}

std::optional<failure> record_writer::start() {
  auto problem = [&](const std::string& what) {
    return failure{"records.dir: " + opts_.dir + ": " + what + "; create it or make it writable by parley"};
  };
  std::error_code ec;
  if (fs::exists(opts_.dir, ec) && !fs::is_directory(opts_.dir, ec)) return problem("is not a directory");
  fs::create_directories(opts_.dir, ec);
  if (ec) return problem("cannot create it (" + ec.message() + ")");
  // Root passes access(2) everywhere: only a file actually made tells.
  auto probe = (fs::path(opts_.dir) / (".parley-probe-" + std::to_string(::getpid()))).string();
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) return problem("cannot write in it (" + why(errno) + ")");
  ::close(fd);
  ::unlink(probe.c_str());

  delete_old_files();
  // A crash of an earlier process may have left a partial line at the end of any day's file.
  std::error_code list_error;
  for (const auto& entry : fs::directory_iterator(opts_.dir, list_error)) {
    auto name = entry.path().filename().string();
    std::error_code gone;  // a file that went meanwhile is not a problem
    if (!parse_file_name(name) || !entry.is_regular_file(gone)) continue;
    int f = ::open(entry.path().c_str(), O_RDWR | O_CLOEXEC);
    if (f < 0) return problem("cannot open " + name + " (" + why(errno) + ")");
    auto cut = cut_partial_line(f);
    ::close(f);
    if (cut.error) return problem("cannot repair " + name + " (" + why(cut.error) + ")");
    if (cut.cut > 0) {
      stats_.records_repaired_total.inc();
      spdlog::warn("call records: {}: cut {} bytes of a line a crash left unfinished", entry.path().string(),
                   cut.cut);
    }
  }
  if (list_error) return problem("cannot list it (" + list_error.message() + ")");

  std::lock_guard lock(mu_);
  if (running_) return std::nullopt;
  running_ = true;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
  return std::nullopt;
}

void record_writer::write(const call_record& r) {
  call_record copy = r;  // outside the lock: a long call's record is large
  bool report_full = false;
  {
    std::lock_guard lock(mu_);
    if (running_ && !stopping_ && queue_.size() < opts_.max_queue) {
      queue_.push_back(std::move(copy));
      wake_.notify_one();
      return;
    }
    stats_.records_dropped_total.inc();
    report_full = running_ && !stopping_ && !queue_full_reported_;
    if (report_full) queue_full_reported_ = true;
  }
  if (report_full)
    spdlog::error(
        "call records: {} records wait to be written (the disk is slow or stuck); further ones are "
        "dropped and counted in parley_records_dropped_total",
        opts_.max_queue);
}

void record_writer::stop() {
  {
    std::lock_guard lock(mu_);
    if (!running_) return;
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
  std::lock_guard lock(mu_);
  running_ = false;
}

void record_writer::run() {
  while (true) {
    std::deque<call_record> batch;
    {
      std::unique_lock lock(mu_);
      wake_.wait_for(lock, idle_wake, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) break;
      batch.swap(queue_);
    }
    // keep-days counts from today: a new day may make a file one too old.
    if (opts_.keep_days > 0 && utc_date(now_ms()) != cleaned_on_) delete_old_files();
    for (const auto& r : batch) append(r);
  }
  close_file();
}

void record_writer::append(const call_record& r) {
  auto line = record_line(r);
  auto date = utc_date(r.ended_unix_ms != 0 ? r.ended_unix_ms : now_ms());
  bool ok = (fd_ >= 0 && date == date_) || open_newest(date);
  // Full: the next file of the day. A line larger than the cap still goes out, alone in its file.
  if (ok && size_ > 0 && size_ + line.size() > opts_.max_file_size) ok = open_index(index_ + 1, true);
  if (!ok || !write_line(line)) {
    stats_.records_dropped_total.inc();
    return;
  }
  size_ += line.size();
  stats_.records_written_total.inc();
  if (!reported_.empty()) {
    spdlog::info("call records: writing to {} again", opts_.dir);
    reported_.clear();
  }
  std::lock_guard lock(mu_);
  queue_full_reported_ = false;
}

bool record_writer::open_newest(const std::string& date) {
  close_file();
  std::optional<uint64_t> newest;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(opts_.dir, ec))
    if (auto parsed = parse_file_name(entry.path().filename().string()); parsed && parsed->first == date)
      newest = std::max(newest.value_or(0), parsed->second);
  if (ec) {
    report("list", "call records: cannot list " + opts_.dir + ": " + ec.message());
    return false;
  }
  date_ = date;
  return open_index(newest.value_or(0), false);
}

bool record_writer::open_index(uint64_t index, bool fresh) {
  close_file();
  std::error_code ec;
  while (fresh && fs::exists(fs::path(opts_.dir) / record_file_name(date_, index), ec)) ++index;
  auto path = (fs::path(opts_.dir) / record_file_name(date_, index)).string();
  int fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) {
    report("open " + why(errno), "call records: cannot open " + path + ": " + why(errno));
    return false;
  }
  auto cut = cut_partial_line(fd);
  if (cut.error) {
    report("repair " + why(cut.error), "call records: cannot repair " + path + ": " + why(cut.error));
    ::close(fd);
    return false;
  }
  if (cut.cut > 0) {
    stats_.records_repaired_total.inc();
    spdlog::warn("call records: {}: cut {} bytes of a line a crash left unfinished", path, cut.cut);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    report("stat " + why(errno), "call records: cannot stat " + path + ": " + why(errno));
    ::close(fd);
    return false;
  }
  fd_ = fd;
  index_ = index;
  size_ = static_cast<uint64_t>(st.st_size);
  return true;
}

bool record_writer::write_line(const std::string& line) {
  // One write(2) per line on an O_APPEND file; a short one (a signal, a full disk) goes on from
  // where it stopped.
  std::size_t done = 0;
  while (done < line.size()) {
    auto n = ::write(fd_, line.data() + done, line.size() - done);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    int err = n < 0 ? errno : EIO;
    report("write " + why(err), "call records: cannot write to " + record_file_name(date_, index_) + " in " +
                                    opts_.dir + ": " + why(err));
    // Take back what part of the line went out, so the file still ends with a whole line; the
    // file is opened (and repaired) again for the next line.
    if (done > 0) cut_partial_line(fd_);
    close_file();
    return false;
  }
  return true;
}

void record_writer::close_file() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void record_writer::delete_old_files() {
  auto today = utc_date(now_ms());
  cleaned_on_ = today;
  if (opts_.keep_days <= 0) return;
  auto oldest_kept = *day_number(today) - (opts_.keep_days - 1);
  std::error_code ec;
  std::vector<fs::path> old;
  for (const auto& entry : fs::directory_iterator(opts_.dir, ec))
    if (auto parsed = parse_file_name(entry.path().filename().string());
        parsed && *day_number(parsed->first) < oldest_kept)
      old.push_back(entry.path());
  for (const auto& path : old) {
    if (fs::remove(path, ec))
      spdlog::info("call records: deleted {} (records.keep-days={})", path.string(), opts_.keep_days);
    else if (ec)
      report("delete " + ec.message(), "call records: cannot delete " + path.string() + ": " + ec.message());
  }
}

void record_writer::report(const std::string& kind, const std::string& message) {
  if (!reported_.insert(kind).second) return;
  spdlog::error(
      "{} (records are dropped and counted in parley_records_dropped_total; said once until a "
      "record is written again)",
      message);
}

}  // namespace parley
