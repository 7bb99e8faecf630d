#include "protocol/redis_reply.hpp"

#include <cstdio>

namespace parley {

namespace {

void quote(std::string& out, const std::string& s) {
  out += '"';
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

void describe_to(std::string& out, const redis_reply& r) {
  switch (r.type) {
    case redis_reply::kind::nil:
      out += "nil";
      break;
    case redis_reply::kind::integer:
      out += std::to_string(r.integer);
      break;
    case redis_reply::kind::string:
      quote(out, r.str);
      break;
    case redis_reply::kind::status:
      out += '+' + r.str;
      break;
    case redis_reply::kind::error:
      out += '-' + r.str;
      break;
    case redis_reply::kind::array:
      out += '[';
      for (std::size_t i = 0; i < r.elements.size(); ++i) {
        if (i) out += ", ";
        describe_to(out, r.elements[i]);
      }
      out += ']';
      break;
  }
}

}  // namespace

std::string redis_reply::describe() const {
  std::string out;
  describe_to(out, *this);
  return out;
}

}  // namespace parley
