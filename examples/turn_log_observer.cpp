// The `turn-log` observer: appends each call's events to a file once the call ends, one line
// each: <call id> <unix ms> <event> <text>. The file is $PARLEY_TURN_LOG, or parley-turns.log
// in the working directory.
//
//   parley --agent.plugins=plugins/turn_log_observer.so --agent.observers=turn-log ...

#include <parley/plugin.hpp>

#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>

namespace {

std::mutex file_mutex;  // calls end on several threads; each call's block is written whole

class turn_log final : public parley::plugin::call_observer {
 public:
  explicit turn_log(parley::plugin::call_info call) : call_(std::move(call)) {}

  void on_event(const parley::plugin::call_event& ev) override {
    lines_ << call_.call_id << ' ' << ev.unix_ms << ' ' << to_string(ev.kind);
    if (ev.kind == parley::plugin::call_event_kind::tool_call)
      lines_ << ' ' << ev.tool << ' ' << ev.text << " -> " << (ev.error ? "error: " : "") << ev.result;
    else if (!ev.text.empty())
      lines_ << ' ' << ev.text;
    lines_ << '\n';
    if (ev.kind != parley::plugin::call_event_kind::ended) return;
    const char* path = std::getenv("PARLEY_TURN_LOG");
    std::lock_guard lock{file_mutex};
    std::ofstream out{path && *path ? path : "parley-turns.log", std::ios::app};
    out << lines_.str();
  }

 private:
  parley::plugin::call_info call_;
  std::ostringstream lines_;
};

void register_turn_log(parley::plugin::registry& r) {
  r.add_observer("turn-log",
                 [](const parley::plugin::call_info& call) { return std::make_unique<turn_log>(call); });
}

}  // namespace

PARLEY_PLUGIN(register_turn_log)
