// What a run produced, as plain data: the runner fills it, output.cpp turns it into results.json and
// summary.cpp into the terminal summary.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "models/stats.h"

namespace daxsim::scenarios {

struct StepRecord {
    int line = 0;
    std::string text;
    std::string task;                // "" for a fresh task
    std::string outcome = "ok";      // ok | failed | signalled
    std::string error;               // errno name on failure ("EIO"), else ""
    std::vector<std::string> output; // lines the tool printed (stdout and stderr, in order)
    std::string detail;              // why it failed, "Bus error", ...
    std::uint64_t sim_start_ns = 0;
    std::uint64_t sim_end_ns = 0;
    bool failure_expected = false; // a following expectation is about this failure
};

struct ExpectationRecord {
    int line = 0;
    std::string text;
    bool pass = false;
    std::string detail;
};

struct RunRecord {
    std::string name;
    std::string description;
    std::string file;
    std::uint64_t seed = 0;
    std::map<std::string, std::string> parameters;
    std::vector<StepRecord> steps;
    std::vector<ExpectationRecord> expectations;
    MetricMap metrics;
    std::map<std::string, std::uint64_t> layers; // failure-path ns per kernel layer
    std::vector<std::string> dmesg;              // formatted "[    0.000123] text"
    std::string error;                           // the simulation threw: what it said
    // xfs_repair -n style check of every XFS still mounted after the last step: problems by mount point.
    std::map<std::string, std::vector<std::string>> fsck;

    // A step that failed without an expectation about it, a failed expectation, or an error.
    [[nodiscard]] bool passed() const {
        if (!error.empty()) return false;
        for (const auto& s : steps)
            if (s.outcome != "ok" && !s.failure_expected) return false;
        for (const auto& e : expectations)
            if (!e.pass) return false;
        for (const auto& [dir, problems] : fsck)
            if (!problems.empty()) return false;
        return true;
    }
};

} // namespace daxsim::scenarios
