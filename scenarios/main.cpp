// The `daxsim` program. libsystemc provides main() and calls sc_main().
#include <cstdio>

extern "C" int sc_main(int argc, char** argv) {
    (void)argc;
    (void)argv;
    std::puts("daxsim: not built yet");
    return 2;
}
