#include "protocol/transcript_history.hpp"

#include <algorithm>
#include <cctype>

namespace parley::voipbin {

namespace {

// Reads exactly `n` digits at `pos`.
bool digits(std::string_view s, std::size_t& pos, std::size_t n, int64_t& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = 0; i < n; ++i) {
    auto c = s[pos + i];
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    out = out * 10 + (c - '0');
  }
  pos += n;
  return true;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

// Days from 0001-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant's
// days_from_civil, shifted to year 1).
int64_t days_since_year_one(int64_t y, int64_t m, int64_t d) {
  auto civil = [](int64_t y, int64_t m, int64_t d) {
    y -= m <= 2;
    auto era = (y >= 0 ? y : y - 399) / 400;
    auto yoe = y - era * 400;
    auto doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    auto doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe;
  };
  return civil(y, m, d) - civil(1, 1, 1);
}

}  // namespace

result<std::chrono::microseconds> transcript_offset(std::string_view s) {
  std::size_t pos = 0;
  int64_t year, month, day, hour, minute, second;
  if (!digits(s, pos, 4, year) || !expect(s, pos, '-') || !digits(s, pos, 2, month) || !expect(s, pos, '-') ||
      !digits(s, pos, 2, day))
    return fail("not a date: '" + std::string(s) + "'");
  if (pos >= s.size() || (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' '))
    return fail("no time in '" + std::string(s) + "'");
  ++pos;
  if (!digits(s, pos, 2, hour) || !expect(s, pos, ':') || !digits(s, pos, 2, minute) ||
      !expect(s, pos, ':') || !digits(s, pos, 2, second))
    return fail("not a time: '" + std::string(s) + "'");
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    return fail("out of range: '" + std::string(s) + "'");
  int64_t micros = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int64_t scale = 100000;
    std::size_t start = pos;
    for (; pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos])); ++pos) {
      micros += (s[pos] - '0') * scale;
      scale /= 10;
    }
    if (pos == start) return fail("empty fraction in '" + std::string(s) + "'");
  }
  int64_t zone = 0;  // seconds east of UTC
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int sign = s[pos++] == '+' ? 1 : -1;
    int64_t zh, zm;
    if (!digits(s, pos, 2, zh) || !expect(s, pos, ':') || !digits(s, pos, 2, zm))
      return fail("bad zone in '" + std::string(s) + "'");
    zone = sign * (zh * 3600 + zm * 60);
  }
  if (pos != s.size()) return fail("trailing text in '" + std::string(s) + "'");
  auto secs = days_since_year_one(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - zone;
  return std::chrono::microseconds(secs * 1000000 + micros);
}

chat_history history_from_transcripts(std::vector<transcript> transcripts) {
  // Oldest first among equal offsets: the list was newest first.
  std::reverse(transcripts.begin(), transcripts.end());
  struct spoken {
    std::chrono::microseconds at;
    const transcript* t;
  };
  std::vector<spoken> order;
  for (const auto& t : transcripts) {
    if ((t.direction != "in" && t.direction != "out") || t.message.empty()) continue;
    auto at = transcript_offset(t.tm_transcript);
    order.push_back({at ? *at : std::chrono::microseconds::max(), &t});
  }
  std::stable_sort(order.begin(), order.end(), [](const spoken& a, const spoken& b) { return a.at < b.at; });
  chat_history out;
  for (const auto& [_, t] : order) {
    auto role = t->direction == "in" ? "user" : "assistant";
    if (!out.empty() && out.back().role == role)
      out.back().content += " " + t->message;
    else
      out.push_back({role, t->message, false});
  }
  return out;
}

}  // namespace parley::voipbin
