#pragma once
// spdlog set-up from log.level and log.format (text, or one JSON object per line).

#include <string>

namespace parley {

void configure_logging(const std::string& level, bool json);

}  // namespace parley
