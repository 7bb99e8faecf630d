#pragma once
// The version of parley's extension API (the headers in include/parley/). A plugin is built
// against one version and passes it to its entry point; parley loads it only when the version
// is the one it implements. Any change to a type or a virtual function in these headers that
// is not binary compatible raises it.

#define PARLEY_PLUGIN_API_VERSION 1
