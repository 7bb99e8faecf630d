#pragma once
// Start-ups that must fail: the real parley exits with code 2 and one line naming the problem.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "process.hpp"

namespace parley::test {

// Runs parley with `args`; expects exit 2 and a single line that starts with "parley: " + prefix.
inline void expect_refused(const std::vector<std::string>& args, const std::string& prefix) {
  child_process p(PARLEY_BINARY, args);
  auto rc = p.wait(std::chrono::seconds(10));
  ASSERT_TRUE(rc.has_value()) << "parley did not exit";
  EXPECT_EQ(*rc, 2) << p.output();
  auto out = p.output();
  EXPECT_EQ(out.rfind("parley: " + prefix, 0), 0u) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
}

}  // namespace parley::test
