#pragma once
// parley's INI files: `[group]` headers, `key = value` lines, `;` or `#` comment lines.
// A value is quoted ("…" with backslash escapes, or '…'), a list in brackets (which may span
// lines), or bare up to the end of the line. A comment may follow a quoted value or a list.
// No CAF here: its reader dropped whole numbers for decimal options without a word.

#include <string>
#include <string_view>
#include <vector>

#include "protocol/result.hpp"

namespace parley {

struct config_entry {
  std::string name;   // "group.key"
  std::string value;  // as written, quotes included; option_table's rules read it
  int line = 0;
};

// The entries in file order, or "line N: what is wrong".
result<std::vector<config_entry>> parse_config_text(std::string_view text);

// Reads and parses a file; errors are "cannot open (…)", "is a directory" or "line N: …".
// The whole text of a file; the error says why it cannot be read ("is a directory, not a
// <kind>", "cannot open (No such file or directory)").
result<std::string> read_text_file(const std::string& path, std::string_view kind);
result<std::vector<config_entry>> read_config_file(const std::string& path);

}  // namespace parley
