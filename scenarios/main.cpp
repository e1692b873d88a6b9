// The `daxsim` program. libsystemc provides main() and calls sc_main().
#include <cstdlib>

#include "scenarios/cli.h"

extern "C" int sc_main(int argc, char** argv) {
    // Before anything touches SystemC: its banner would otherwise precede every run's output.
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
    return daxsim::scenarios::daxsim_main(argc, argv);
}
