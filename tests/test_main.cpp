// Entry point of every test program. libsystemc provides main() and calls sc_main(), so the doctest
// runner lives in sc_main; a test case that elaborates a SystemC design runs alone in its process
// (CTest runs each case separately).
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdlib>

extern "C" int sc_main(int argc, char** argv) {
    doctest::Context context(argc, argv);
    return context.run();
}
