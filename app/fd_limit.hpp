#pragma once
// The open-file limit: every call's HTTP and the event sources share a few sockets, but a node
// with thousands of calls and a slow VoIPBIN can hold thousands of connections, and the soft
// limit is often 1024. parley raises it to the hard limit at start and says so.

#include <cstdint>

namespace parley {

struct fd_limit {
  std::uint64_t before = 0;  // the soft limit parley started with
  std::uint64_t now = 0;     // after raising it (== before when it could not be raised)
  std::uint64_t hard = 0;
  bool raised() const { return now > before; }
};

// Raises the soft RLIMIT_NOFILE to the hard limit; reports what it was and is.
fd_limit raise_fd_limit();

}  // namespace parley
