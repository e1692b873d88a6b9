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
};

// Runs the exerciser in one simulation; prints "fsx: N ops, M mismatches" last. Exit status 0 without
// a mismatch, 1 with one (after writing DIR/fsx-repro.yaml when out_dir is set).
[[nodiscard]] int fsx_main(const FsxOptions& options);

} // namespace daxsim::scenarios
