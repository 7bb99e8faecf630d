#include "protocol/metrics.hpp"

#include <gtest/gtest.h>

#include "protocol/voipbin_requests.hpp"

TEST(Metrics, RendersPrometheusText) {
  parley::metrics m;
  m.active_calls.add(3);
  m.active_calls.add(-1);
  m.turns_total.inc(5);
  m.rest_requests_total.inc("endpoint=\"POST /speakings\",status=\"201\"");
  m.turn_transcript_to_say_seconds.observe(0.3);
  auto text = m.render();
  EXPECT_NE(text.find("\nparley_active_calls 2\n"), std::string::npos);
  EXPECT_NE(text.find("\nparley_turns_total 5\n"), std::string::npos);
  EXPECT_NE(text.find("parley_rest_requests_total{endpoint=\"POST /speakings\",status=\"201\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("parley_turn_transcript_to_say_seconds_bucket{le=\"0.25\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("parley_turn_transcript_to_say_seconds_bucket{le=\"0.5\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("parley_turn_transcript_to_say_seconds_count 1\n"), std::string::npos);
}

// A REST request's series, found through the cache, is the one the labels name: /metrics
// reads the same as when every request built its labels.
TEST(Metrics, RestRequestsCountIntoTheSameSeriesAsTheirLabels) {
  using namespace parley;
  const std::string id = "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d";
  const std::string other = "1b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d";
  metrics by_labels, cached;
  by_labels.rest_requests_total.inc("endpoint=\"POST /speakings/{id}/say\",status=\"200\"", 2);
  by_labels.rest_requests_total.inc("endpoint=\"POST /speakings/{id}/say\",status=\"429\"");
  by_labels.rest_requests_total.inc("endpoint=\"GET /calls\",status=\"timeout\"");
  by_labels.rest_requests_total.inc("endpoint=\"GET /calls/{id}\",status=\"999\"");
  auto& rr = cached.rest_requests;
  rr.inc(rr.of(voipbin::say(id, "hi")), 200);
  rr.inc(rr.of(voipbin::say(other, "again")), 200);
  rr.inc(rr.of(voipbin::say(id, "hi")), 429);
  rr.inc_error(rr.of(voipbin::list_calls("token")), 2, "timeout");
  rr.inc(rr.of(voipbin::get_call(id)), 999);  // beyond the cached statuses
  EXPECT_EQ(cached.render(), by_labels.render());
  EXPECT_EQ(&rr.of(voipbin::say(id, "x")), &rr.of(voipbin::say(other, "y")));  // ids are one endpoint
  EXPECT_NE(&rr.of(voipbin::say(id, "x")), &rr.of(voipbin::flush_speaking(id)));
}

// More endpoints than the lock-free table holds are still told apart and counted.
TEST(Metrics, RestRequestsBeyondTheCachedEndpointsAreCounted) {
  using namespace parley;
  metrics m;
  auto& rr = m.rest_requests;
  auto n = rest_request_counter::cached + 50;
  for (std::size_t round = 0; round < 2; ++round)
    for (std::size_t i = 0; i < n; ++i) rr.inc(rr.of({"GET", "/things/" + std::to_string(i), ""}), 200);
  for (std::size_t i = 0; i < n; ++i) {
    auto labels = "endpoint=\"GET /things/" + std::to_string(i) + "\",status=\"200\"";
    EXPECT_EQ(m.rest_requests_total.value(labels), 2u) << labels;
    EXPECT_EQ(rr.of({"GET", "/things/" + std::to_string(i), ""}).label, "GET /things/" + std::to_string(i));
  }
}
