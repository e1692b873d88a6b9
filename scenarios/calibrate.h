// `daxsim calibrate`: the simulated machine against the published Optane DC PMM figures (DESIGN.md,
// "Reference figures"). Every row is measured in its own child process (`daxsim calibrate --row NAME`,
// hidden), because SystemC elaborates one design per process and some rows need their own platform.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace daxsim::scenarios {

struct CalibrateOptions {
    bool json = false;
    std::optional<std::string> row; // hidden: measure one row and print its simulated value
};

// Prints the table (or JSON {"rows":[...]}); 0 when every row ran, whatever its error. `self` is this
// program, run once per row.
[[nodiscard]] int calibrate_main(const CalibrateOptions& options, const std::filesystem::path& self);

} // namespace daxsim::scenarios
