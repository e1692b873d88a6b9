// The `daxsim` command line (DESIGN.md "The daxsim command"): run, params, and the commands later
// builds implement (sweep, calibrate, bench). Exit status: 0 pass, 1 a step or expectation failed or the
// simulation threw, 2 invalid input (scenario, parameters or command line).
#pragma once

namespace daxsim::scenarios {

inline constexpr int kExitPass = 0;
inline constexpr int kExitFail = 1;
inline constexpr int kExitInvalid = 2;

[[nodiscard]] int daxsim_main(int argc, char** argv);

} // namespace daxsim::scenarios
