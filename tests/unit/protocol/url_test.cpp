#include "protocol/url.hpp"

#include <gtest/gtest.h>

using parley::parse_url;

TEST(Url, ParsesSchemesPortsAndTargets) {
  auto u = parse_url("https://api.voipbin.net/v1.0");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->host, "api.voipbin.net");
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->target, "/v1.0");
  EXPECT_TRUE(u->tls());

  auto w = parse_url("ws://127.0.0.1:18080/v1.0/ws?x=1");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->port, 18080);
  EXPECT_EQ(w->target, "/v1.0/ws?x=1");
  EXPECT_FALSE(w->tls());

  auto v6 = parse_url("http://[::1]:8080");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->target, "/");
  EXPECT_EQ(v6->authority(), "[::1]:8080");
}

TEST(Url, RejectsMalformedInput) {
  EXPECT_FALSE(parse_url("api.voipbin.net"));
  EXPECT_FALSE(parse_url("ftp://x/"));
  EXPECT_FALSE(parse_url("http://:80/"));
  EXPECT_FALSE(parse_url("http://host:99999/"));
  EXPECT_FALSE(parse_url("http://host:12ab/"));
  EXPECT_FALSE(parse_url("http://user:pw@host/"));
  EXPECT_FALSE(parse_url("http://host/a b"));
}

TEST(Url, AppendsPathsAndQueries) {
  auto base = parse_url("https://api.voipbin.net/v1.0").value();
  auto u = base.with_path_suffix("/speakings/1/say").with_query("accesskey", "a b&c");
  EXPECT_EQ(u.target, "/v1.0/speakings/1/say?accesskey=a%20b%26c");
  auto slash = parse_url("http://h/v1/").value().with_path_suffix("/chat/completions");
  EXPECT_EQ(slash.target, "/v1/chat/completions");
  auto q = parse_url("http://h/p?a=1").value().with_path_suffix("/x").with_query("b", "2");
  EXPECT_EQ(q.target, "/p/x?a=1&b=2");
}

TEST(Url, ParsesHostPort) {
  auto a = parley::parse_host_port("0.0.0.0:8080");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "0.0.0.0");
  EXPECT_EQ(a->port, 8080);
  EXPECT_EQ(parley::parse_host_port("[::1]:80")->host, "::1");
  EXPECT_EQ(parley::parse_host_port("localhost:1")->host, "127.0.0.1");
  EXPECT_FALSE(parley::parse_host_port("9090"));
  EXPECT_FALSE(parley::parse_host_port(":9090"));
  EXPECT_FALSE(parley::parse_host_port("h:70000"));
  EXPECT_FALSE(parley::parse_host_port("h:12x"));
}
