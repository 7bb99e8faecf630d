#include "protocol/sentence_splitter.hpp"

#include <array>
#include <cctype>

namespace parley {

namespace {

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

bool is_space(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}
bool is_closer(char c) {
  return c == '"' || c == '\'' || c == ')' || c == ']';
}

// Words whose trailing period does not end a sentence.
bool is_abbreviation(std::string_view word) {
  static constexpr std::array<std::string_view, 14> list = {
      "mr", "mrs", "ms", "dr", "prof", "st", "vs", "etc", "e.g", "i.e", "jr", "sr", "approx", "no"};
  std::string lower;
  for (char c : word) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (auto a : list)
    if (lower == a) return true;
  // A single capital is an initial: "J. Smith".
  return word.size() == 1 && std::isupper(static_cast<unsigned char>(word[0]));
}

}  // namespace

std::size_t sentence_splitter::boundary_at(std::size_t i, bool* need_more) const {
  char c = buffer_[i];
  if (c == '\n') return i;
  if (c != '.' && c != '!' && c != '?') return std::string::npos;
  std::size_t end = i;
  while (end + 1 < buffer_.size() && is_closer(buffer_[end + 1])) ++end;
  if (end + 1 >= buffer_.size()) {  // "3." might become "3.5": wait
    *need_more = true;
    return std::string::npos;
  }
  if (!is_space(buffer_[end + 1])) return std::string::npos;
  if (c == '.') {
    std::size_t start = i;
    while (start > 0 && !is_space(buffer_[start - 1])) --start;
    if (is_abbreviation(std::string_view(buffer_).substr(start, i - start))) return std::string::npos;
  }
  return end;
}

std::vector<std::string> sentence_splitter::feed(std::string_view delta) {
  std::vector<std::string> out;
  buffer_.append(delta);
  std::size_t start = 0;
  std::size_t i = pos_;
  for (; i < buffer_.size(); ++i) {
    bool need_more = false;
    auto end = boundary_at(i, &need_more);
    if (need_more) break;
    if (end == std::string::npos) continue;
    auto sentence = trim(std::string_view(buffer_).substr(start, end + 1 - start));
    if (sentence.empty()) {
      start = end + 1;
    } else if (sentence.size() >= min_chars_) {
      out.push_back(std::move(sentence));
      start = end + 1;
    }
    i = end;
  }
  buffer_.erase(0, start);
  pos_ = i - start;
  return out;
}

std::string sentence_splitter::finish() {
  auto rest = trim(buffer_);
  buffer_.clear();
  pos_ = 0;
  return rest;
}

}  // namespace parley
