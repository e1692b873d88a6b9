// The `daxsim` program. libsystemc provides main() and calls sc_main().
#include <cstdlib>

#include "scenarios/cli.h"

namespace {

// libsystemc prints its banner while the program's SystemC translation units are initialised, before
// sc_main runs. This object is initialised first (main.cpp is first on the link line), so the variable
// is set in time; an explicit setting by the user is kept.
[[maybe_unused]] const bool kBannerOff = setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0) == 0;

} // namespace

extern "C" int sc_main(int argc, char** argv) {
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
    return daxsim::scenarios::daxsim_main(argc, argv);
}
