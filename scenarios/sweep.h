// `daxsim sweep FILE.yaml --grid KEY=V1,V2,... [--grid ...] [-j N] [--out DIR]` (DESIGN.md "The daxsim
// command"): every point of the cartesian product of the grids runs as its own child process (SystemC
// elaborates one design per process), at most N at once, and DIR/sweep.csv gets one row per point in
// grid order, whatever order the points finish in.
//
// On a Slurm cluster the same sweep runs as a job array: `--slurm` writes DIR/points.tsv and
// DIR/sweep.sbatch instead of running, each array task runs `sweep --point I DIR`, and
// `sweep --collect DIR` writes the same sweep.csv the local sweep would have written. DIR, the scenario
// and this program may sit under paths with spaces, quotes or percent signs (quoted for the shell and for
// sbatch's own #SBATCH parser); a DIR with a backslash or a line break is refused (exit 2).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scenarios/diagnostics.h"

namespace daxsim::scenarios {

struct SweepArgs {
    std::string file;                   // the scenario; with `point`, the sweep directory
    std::vector<std::string> grids;     // "KEY=V1,V2,..."
    std::optional<unsigned> jobs;       // default: the number of CPUs
    std::optional<std::string> out;     // default: ./sweep-<scenario stem>
    bool slurm = false;                 // write points.tsv + sweep.sbatch instead of running
    std::optional<std::size_t> point;   // run this point of the sweep directory `file` (one array task)
    std::optional<std::string> collect; // gather DIR/points/NNNN/ into DIR/sweep.csv
};

struct GridAxis {
    std::string key;
    std::vector<std::string> values;
};

// Parses and checks the --grid strings against the params registry and the scenario's platform (every
// point's configuration is built once, without simulating). Diagnostics name the offending --grid.
[[nodiscard]] Result<std::vector<GridAxis>> parse_grids(const std::vector<std::string>& grids);

// The points in grid order: the last axis varies fastest. Each point is one value per axis.
[[nodiscard]] std::vector<std::vector<std::string>> grid_points(const std::vector<GridAxis>& axes);

// One finished point, for the CSV.
struct SweepPointResult {
    std::vector<std::string> values;            // one per axis
    std::optional<int> exit_code;               // the child's exit status, 128+N when killed by signal N;
                                                // none: the point never ran ("missing", from --collect)
    std::map<std::string, std::string> metrics; // name -> the number as results.json wrote it
};

// "pass" (exit 0), "fail" (exit 1) or "error" (anything else).
[[nodiscard]] std::string_view point_status(int exit_code);

// The sweep.csv text: header, then one row per point in the given order. The local sweep and
// --collect both write it, so their files are byte-identical for the same results.
[[nodiscard]] std::string format_sweep_csv(const std::vector<GridAxis>& axes,
                                           const std::vector<SweepPointResult>& points);

// Runs the sweep; `self` is this program (re-executed with `run` per point). Returns the exit status.
[[nodiscard]] int sweep_command(const SweepArgs& args, const std::filesystem::path& self);

} // namespace daxsim::scenarios
