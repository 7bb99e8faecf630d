// A shared library that is not a parley plugin: it has no entry point.

extern "C" __attribute__((visibility("default"))) int not_a_parley_plugin() {
  return 0;
}
