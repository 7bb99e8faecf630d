// A plugin built for an extension API version parley does not implement.

#include <parley/plugin.hpp>

extern "C" __attribute__((visibility("default"))) int parley_plugin_entry(int, parley::plugin::registry*) {
  return PARLEY_PLUGIN_API_VERSION + 1;
}
