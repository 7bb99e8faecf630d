#include "protocol/metrics.hpp"

#include <gtest/gtest.h>

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
