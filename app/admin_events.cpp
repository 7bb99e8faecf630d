#include "app/admin_events.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <future>
#include <nlohmann/json.hpp>
#include <vector>

#include "protocol/call_journal.hpp"
#include "protocol/metrics.hpp"

namespace parley {

namespace {

std::string sse(std::string_view event, const std::string& data) {
  std::string out;
  out.reserve(event.size() + data.size() + 16);
  out += "event: ";
  out += event;
  out += "\ndata: ";
  out += data;  // JSON from dump(): one line
  out += "\n\n";
  return out;
}

nlohmann::json optional_ms(std::optional<double> seconds) {
  return seconds ? nlohmann::json(*seconds * 1000.0) : nlohmann::json();
}

}  // namespace

struct admin_events::impl : std::enable_shared_from_this<impl> {
  struct stream {
    std::shared_ptr<net::server_reply> reply;
    uint64_t subscription = 0;
  };

  impl(boost::asio::io_context& io, call_journal& journal, const metrics& stats)
      : io(io), timer(io), journal(journal), stats(stats) {}

  nlohmann::json key_metrics() const {
    auto uptime =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started);
    return {{"active_calls", stats.active_calls.value()},
            {"calls_total", stats.calls_total.value()},
            {"calls_rejected_total", stats.calls_rejected_total.value()},
            {"turns_total", stats.turns_total.value()},
            {"bargeins_total", stats.bargeins_total.value()},
            {"llm_errors_total", stats.llm_errors_total.value()},
            {"tool_calls_total", stats.tool_calls_total.total()},
            {"turn_latency_p50_ms", optional_ms(stats.turn_transcript_to_say_seconds.quantile(0.5))},
            {"turn_latency_p95_ms", optional_ms(stats.turn_transcript_to_say_seconds.quantile(0.95))},
            {"uptime_seconds", uptime.count()}};
  }

  void open(std::shared_ptr<net::server_reply> reply) {
    if (stopped) return reply->respond({503, {{"Content-Type", "application/json"}}, "{}"});
    reply->start_stream(
        200,
        {{"Content-Type", "text/event-stream"}, {"Cache-Control", "no-cache"}, {"X-Accel-Buffering", "no"}});
    nlohmann::json calls;
    // Subscribed with the snapshot under one lock: nothing is missed or told twice.
    auto id = journal.subscribe(
        [reply](std::string_view event, const std::string& data) { reply->write_chunk(sse(event, data)); },
        &calls);
    reply->write_chunk(sse("snapshot", nlohmann::json{{"calls", std::move(calls)}}.dump()));
    reply->write_chunk(sse("metrics", key_metrics().dump()));
    streams.push_back({std::move(reply), id});
    if (streams.size() == 1) tick();
  }

  void tick() {
    timer.expires_after(std::chrono::seconds(1));
    timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || self->stopped) return;
      std::erase_if(self->streams, [&](const stream& s) {
        if (!s.reply->closed()) return false;
        self->journal.unsubscribe(s.subscription);
        return true;
      });
      if (self->streams.empty()) return;
      auto figures = sse("metrics", self->key_metrics().dump());
      for (const auto& s : self->streams) s.reply->write_chunk(figures);
      self->tick();
    });
  }

  void stop() {
    stopped = true;
    timer.cancel();
    for (const auto& s : streams) {
      journal.unsubscribe(s.subscription);
      s.reply->end_stream();
    }
    streams.clear();
  }

  boost::asio::io_context& io;
  boost::asio::steady_timer timer;
  call_journal& journal;
  const metrics& stats;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::vector<stream> streams;
  bool stopped = false;
};

admin_events::admin_events(boost::asio::io_context& io, call_journal& journal, const metrics& stats)
    : impl_(std::make_shared<impl>(io, journal, stats)) {}

admin_events::~admin_events() = default;

void admin_events::open(std::shared_ptr<net::server_reply> reply) {
  impl_->open(std::move(reply));
}

void admin_events::stop() {
  if (impl_->io.stopped()) return impl_->stop();  // nothing else runs it now
  std::promise<void> done;
  boost::asio::post(impl_->io, [i = impl_, &done] {
    i->stop();
    done.set_value();
  });
  done.get_future().wait();
}

}  // namespace parley
