#pragma once
// The trend of a server's memory over a soak: a least-squares line through the RSS samples
// taken after the warm-up (the first fifth of the run), so a leak shows as a positive slope.

#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

namespace parley::bench {

// samples: (seconds, RSS KB). Returns first_kb, last_kb, samples (as pairs) and
// slope_kb_per_min (0 with fewer than two samples after the warm-up).
nlohmann::json rss_trend(const std::vector<std::pair<double, double>>& samples);

}  // namespace parley::bench
