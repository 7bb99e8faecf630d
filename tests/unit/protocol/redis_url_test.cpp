#include "protocol/redis_url.hpp"

#include <gtest/gtest.h>

#include "protocol/redis_reply.hpp"

using parley::parse_redis_url;
using parley::redis_endpoint;
using parley::redis_reply;

TEST(RedisUrl, HostPortAndDb) {
  auto u = parse_redis_url("redis://redis.cluster.local:6380/3");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(*u, (redis_endpoint{"redis.cluster.local", 6380, 3}));
  EXPECT_EQ(u->to_string(), "redis://redis.cluster.local:6380/3");
}

TEST(RedisUrl, DefaultsArePort6379AndDb0) {
  EXPECT_EQ(*parse_redis_url("redis://redis"), (redis_endpoint{"redis", 6379, 0}));
  EXPECT_EQ(*parse_redis_url("redis://redis/"), (redis_endpoint{"redis", 6379, 0}));
  EXPECT_EQ(*parse_redis_url("redis://10.0.0.7:7000"), (redis_endpoint{"10.0.0.7", 7000, 0}));
  EXPECT_EQ(*parse_redis_url("REDIS://Redis/15"), (redis_endpoint{"Redis", 6379, 15}));
}

TEST(RedisUrl, Ipv6Literals) {
  auto u = parse_redis_url("redis://[::1]:6390/2");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(*u, (redis_endpoint{"::1", 6390, 2}));
  EXPECT_EQ(u->to_string(), "redis://[::1]:6390/2");
  EXPECT_EQ(parse_redis_url("redis://[fd00::5]")->port, 6379);
  EXPECT_FALSE(parse_redis_url("redis://[::1"));
  EXPECT_FALSE(parse_redis_url("redis://[::1]x"));
}

TEST(RedisUrl, OtherSchemesAreRejectedWithAClearMessage) {
  auto tls = parse_redis_url("rediss://redis:6380/0");
  ASSERT_FALSE(tls);
  EXPECT_NE(tls.error().message.find("rediss:// (Redis over TLS) is not supported"), std::string::npos);
  auto http = parse_redis_url("http://redis:6379");
  ASSERT_FALSE(http);
  EXPECT_NE(http.error().message.find("unsupported scheme 'http'"), std::string::npos);
  auto bare = parse_redis_url("redis:6379");
  ASSERT_FALSE(bare);
  EXPECT_NE(bare.error().message.find("missing scheme"), std::string::npos);
  EXPECT_FALSE(parse_redis_url(""));
  EXPECT_FALSE(parse_redis_url("unix:///var/run/redis.sock"));
}

TEST(RedisUrl, BadPortsAreRejected) {
  for (const char* text : {"redis://h:0", "redis://h:65536", "redis://h:-1", "redis://h:63x9",
                           "redis://h:", "redis://h:99999999999999999999", "redis://[::1]:"}) {
    auto u = parse_redis_url(text);
    ASSERT_FALSE(u) << text;
    EXPECT_NE(u.error().message.find("invalid port"), std::string::npos) << u.error().message;
  }
  EXPECT_EQ(parse_redis_url("redis://h:65535")->port, 65535);
  EXPECT_EQ(parse_redis_url("redis://h:1")->port, 1);
}

TEST(RedisUrl, BadDatabasesAreRejected) {
  for (const char* text :
       {"redis://h:6379/x", "redis://h/-1", "redis://h/1/2", "redis://h/1x", "redis://h/99999999999"}) {
    auto u = parse_redis_url(text);
    ASSERT_FALSE(u) << text;
    EXPECT_NE(u.error().message.find("invalid database"), std::string::npos) << u.error().message;
  }
}

TEST(RedisUrl, MissingHostQueryAndWhitespaceAreRejected) {
  EXPECT_FALSE(parse_redis_url("redis://"));
  EXPECT_FALSE(parse_redis_url("redis://:6379/0"));
  EXPECT_FALSE(parse_redis_url("redis://h/0?timeout=1"));
  EXPECT_FALSE(parse_redis_url("redis://h#x"));
  EXPECT_FALSE(parse_redis_url("redis://h /0"));
  EXPECT_FALSE(parse_redis_url("redis://h/0\n"));
}

TEST(RedisUrl, CredentialsAreRejectedWithoutRepeatingThem) {
  for (const char* text : {"redis://:hunter2-secret@redis:6379/0", "redis://user:hunter2-secret@redis/0",
                           "redis://hunter2-secret@redis"}) {
    auto u = parse_redis_url(text);
    ASSERT_FALSE(u) << text;
    EXPECT_NE(u.error().message.find("REDIS_PASSWORD"), std::string::npos) << u.error().message;
    EXPECT_EQ(u.error().message.find("hunter2"), std::string::npos) << u.error().message;
  }
}

TEST(RedisReply, DescribeShowsKindsAndEscapesBytes) {
  auto r = redis_reply::make_array(
      {redis_reply::make_integer(42), redis_reply::make_string(std::string("a\0\"b", 4)), redis_reply::nil(),
       redis_reply::make_string("OK", redis_reply::kind::status),
       redis_reply::make_string("ERR x", redis_reply::kind::error), redis_reply::make_array({})});
  EXPECT_EQ(r.describe(), R"([42, "a\x00\"b", nil, +OK, -ERR x, []])");
  EXPECT_TRUE(r.elements[4].is_error());
  EXPECT_EQ(r, r);
  EXPECT_NE(r, redis_reply::nil());
}
