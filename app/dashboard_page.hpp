#pragma once
// The admin server's live dashboard (GET /): one self-contained HTML page, scripts and styles
// inline, that reads parley's own admin API. The source is app/dashboard/index.html; the build
// embeds it (app/dashboard/embed.cmake), so the binary needs no files beside it.

#include <string_view>

namespace parley {

std::string_view dashboard_page();

}  // namespace parley
