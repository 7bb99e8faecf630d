#include "app/config_file.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace parley {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool comment_or_blank(std::string_view rest) {
  rest = trim(rest);
  return rest.empty() || rest.front() == ';' || rest.front() == '#';
}

failure at(int line, const std::string& what) {
  return fail("line " + std::to_string(line) + ": " + what);
}

// The line without a trailing `; comment` or `# comment` outside quotes (inside a list).
std::string_view without_comment(std::string_view line) {
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quote) {
      if (quote == '"' && c == '\\')
        ++i;
      else if (c == quote)
        quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if ((c == ';' || c == '#') && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) {
      return line.substr(0, i);
    }
  }
  return line;
}

// The end (one past) of a quoted text or bracketed list starting at text[0], or npos.
size_t closing(std::string_view text) {
  char quote = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quote) {
      if (quote == '"' && c == '\\')
        ++i;
      else if (c == quote)
        quote = 0;
      if (!quote && text[0] != '[') return i + 1;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == ']' && text[0] == '[') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

}  // namespace

result<std::vector<config_entry>> parse_config_text(std::string_view text) {
  std::vector<std::string_view> lines;
  for (size_t start = 0; start <= text.size();) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  std::vector<config_entry> entries;
  std::string group;
  for (size_t i = 0; i < lines.size(); ++i) {
    int number = static_cast<int>(i) + 1;
    auto line = trim(lines[i]);
    if (comment_or_blank(line)) continue;
    if (line.front() == '[') {
      auto close = line.find(']');
      if (close == std::string_view::npos || !comment_or_blank(line.substr(close + 1)))
        return at(number, "a group header is [name]");
      group = std::string(trim(line.substr(1, close - 1)));
      if (group.empty()) return at(number, "the group name is empty");
      continue;
    }
    auto eq = line.find('=');
    // The line is not echoed: it may hold a secret.
    if (eq == std::string_view::npos) return at(number, "expected key = value or a [group] header");
    auto key = trim(line.substr(0, eq));
    if (key.empty()) return at(number, "the key before '=' is empty");
    if (group.empty()) return at(number, "'" + std::string(key) + "' comes before any [group]");
    auto value = trim(line.substr(eq + 1));
    std::string joined(value);
    if (!value.empty() && (value.front() == '"' || value.front() == '\'' || value.front() == '[')) {
      // A list may go on over the following lines, with comments between its items.
      if (value.front() == '[') joined = std::string(trim(without_comment(value)));
      size_t end = closing(joined);
      while (end == std::string::npos && value.front() == '[' && i + 1 < lines.size())
        if (auto next = trim(without_comment(lines[++i])); !next.empty()) {
          joined += "\n" + std::string(next);
          end = closing(joined);
        }
      if (end == std::string::npos)
        return at(number, value.front() == '[' ? "the list has no closing ]" : "the quote is not closed");
      if (!comment_or_blank(std::string_view(joined).substr(end)))
        return at(number, "unexpected text after the value: '" + std::string(trim(joined.substr(end))) + "'");
      joined.resize(end);
    }
    entries.push_back({group + "." + std::string(key), std::move(joined), number});
  }
  return entries;
}

result<std::string> read_text_file(const std::string& path, std::string_view kind) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return fail(std::string("cannot open (") + std::strerror(errno) + ")");
  if (S_ISDIR(st.st_mode)) return fail("is a directory, not a " + std::string(kind));
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(std::string("cannot open (") + std::strerror(errno) + ")");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return fail("cannot be read");
  return text.str();
}

result<std::vector<config_entry>> read_config_file(const std::string& path) {
  auto text = read_text_file(path, "config file");
  if (!text) return text.error();
  return parse_config_text(*text);
}

}  // namespace parley
