// The dashboard page as the binary embeds it: whole, and self-contained (the admin server may
// run where nothing but parley is reachable, and transcripts must not reach other origins).

#include <gtest/gtest.h>

#include <string>

#include "app/dashboard_page.hpp"

using parley::dashboard_page;

TEST(DashboardPage, IsTheWholeFile) {
  std::string page(dashboard_page());
  EXPECT_EQ(page.rfind("<!doctype html>", 0), 0u);
  EXPECT_NE(page.find("</html>"), std::string::npos);
  EXPECT_EQ(page.find('\0'), std::string::npos);
  EXPECT_NE(page.find("data-testid=\"connection-status\""), std::string::npos);
}

TEST(DashboardPage, LoadsNothingFromElsewhere) {
  std::string page(dashboard_page());
  EXPECT_EQ(page.find("http://"), std::string::npos);
  EXPECT_EQ(page.find("https://"), std::string::npos);
  EXPECT_EQ(page.find("src=\""), std::string::npos);  // no external scripts or images
  EXPECT_NE(page.find("Content-Security-Policy"), std::string::npos);
}
