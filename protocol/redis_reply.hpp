#pragma once
// A Redis reply as a plain value (RESP2: what hiredis 0.14 gives). An error reply from Redis
// ("-ERR ...", "-WRONGTYPE ...") is a value of kind `error`, not an exception, and is distinct
// from a transport failure (see net/redis_client.hpp).

#include <cstdint>
#include <string>
#include <vector>

namespace parley {

struct redis_reply {
  enum class kind { nil, integer, string, status, array, error };

  kind type = kind::nil;
  long long integer = 0;
  std::string str;                    // bulk string (binary safe), status text or error text
  std::vector<redis_reply> elements;  // array

  static redis_reply nil() { return {}; }
  static redis_reply make_integer(long long v) {
    redis_reply r;
    r.type = kind::integer;
    r.integer = v;
    return r;
  }
  static redis_reply make_string(std::string s, kind k = kind::string) {
    redis_reply r;
    r.type = k;
    r.str = std::move(s);
    return r;
  }
  static redis_reply make_array(std::vector<redis_reply> e) {
    redis_reply r;
    r.type = kind::array;
    r.elements = std::move(e);
    return r;
  }

  bool is_nil() const { return type == kind::nil; }
  bool is_error() const { return type == kind::error; }
  bool is_integer() const { return type == kind::integer; }
  bool is_string() const { return type == kind::string; }
  bool is_status() const { return type == kind::status; }
  bool is_array() const { return type == kind::array; }

  // For tests and logs: 42, "text" (escaped), +OK, -ERR text, nil, [a, b].
  std::string describe() const;
  bool operator==(const redis_reply&) const = default;
};

}  // namespace parley
