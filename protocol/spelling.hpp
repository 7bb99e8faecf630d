#pragma once
// How far apart two words are, for "did you mean ...?" in the errors of options and tools files.

#include <cstddef>
#include <string_view>

namespace parley {

// The Levenshtein distance: single-character insertions, deletions and substitutions.
std::size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace parley
