#include "app/fd_limit.hpp"

#include <sys/resource.h>

namespace parley {

fd_limit raise_fd_limit() {
  fd_limit out;
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return out;
  out.before = out.now = lim.rlim_cur;
  out.hard = lim.rlim_max;
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit raised = lim;
    raised.rlim_cur = lim.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) out.now = lim.rlim_max;
  }
  return out;
}

}  // namespace parley
