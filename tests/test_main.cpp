// Entry point of every test program. libsystemc provides main() and calls sc_main(), so the doctest
// runner lives in sc_main; a test case that elaborates a SystemC design runs alone in its process
// (CTest runs each case separately).
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdlib>

namespace {
// Keep libsystemc's banner out of test output (also when CTest's discovery runs --list-test-cases).
[[maybe_unused]] const bool kBannerOff = setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0) == 0;
} // namespace

extern "C" int sc_main(int argc, char** argv) {
    doctest::Context context(argc, argv);
    return context.run();
}
