#include "bench/loadgen/rss_trend.hpp"

namespace parley::bench {

nlohmann::json rss_trend(const std::vector<std::pair<double, double>>& samples) {
  nlohmann::json out{{"first_kb", samples.empty() ? 0.0 : samples.front().second},
                     {"last_kb", samples.empty() ? 0.0 : samples.back().second},
                     {"samples", samples},
                     {"slope_kb_per_min", 0.0}};
  if (samples.empty()) return out;
  double warm = samples.back().first / 5;
  double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (const auto& [x, y] : samples) {
    if (x < warm) continue;
    n += 1;
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  double den = n * sxx - sx * sx;
  if (n >= 2 && den > 0) out["slope_kb_per_min"] = (n * sxy - sx * sy) / den * 60;
  return out;
}

}  // namespace parley::bench
