// `daxsim fsx`: a file system exerciser after fsx (xfstests ltp/fsx.c) for the simulated DAX XFS. A
// fixed-seed random sequence of writes, mapped writes, reads, clones, dedupes, hole punches,
// preallocations, truncates, unshares, poison injections and clears runs on a few files; every result
// is checked against an in-memory oracle of the file contents (poisoned bytes read as EIO) and of
// which pages share a block, and the consistency checker (xfs_check) runs every few operations.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

namespace daxsim::scenarios {

struct FsxOptions {
    std::uint64_t ops = 1000;                     // operations to run (skipped candidates do not count)
    std::uint64_t seed = 1;                       // std::mt19937_64 seed
    std::optional<std::filesystem::path> out_dir; // fsx-repro.yaml goes here on a mismatch
    unsigned check_every = 25;                    // sharing check + xfs_check every this many ops
    // Test-only: the oracle mis-records one op from op N (1-based): with InjectBug::data the first pwrite
    // (its fill), with InjectBug::layout the first reflink (as a copy, no block shared).
    enum class InjectBug { data, layout };
    std::uint64_t inject_bug = 0;
    InjectBug inject_bug_kind = InjectBug::data;
    std::uint64_t max_replays = 2000; // bound of the delta-debugging search
};

// Runs the exerciser in one simulation; prints "fsx: N ops, M mismatches" last. Exit status 0 without
// a mismatch, 1 with one. On a mismatch with out_dir set, the op list is shrunk by delta debugging
// (ddmin, the op that exposed the mismatch kept) to a 1-minimal list, each candidate replayed
// in-process on a fresh kernel over a FunctionalMachine (timing-free, no SystemC), and written as
// DIR/fsx-repro.yaml; the last line is then "fsx: N ops, 1 mismatch; repro: K ops in DIR/fsx-repro.yaml".
// The repro's last step is an expectation that fails where fsx found the mismatch: `expect data` for
// content, `expect shared` / `expect unshared` (OFF1 OFF2 LEN) for sharing, `expect consistent` for an
// xfs_check problem.
[[nodiscard]] int fsx_main(const FsxOptions& options);

} // namespace daxsim::scenarios
