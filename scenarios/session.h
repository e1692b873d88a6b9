// State the runner keeps between steps on behalf of the user's tasks, and the context one step runs in.
// The kernel owns tasks, files and mappings; the session only remembers what a shell user would: which
// fd a persistent task has open on a path, and which mapping xfs_io made last (its "current mapping").
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "guest_api/kernel/kernel.h"
#include "models/stats.h"
#include "scenarios/commands.h"
#include "scenarios/run_record.h"

namespace daxsim::kernel {
struct task_struct;
}

namespace daxsim::scenarios {

struct Mapping {
    std::uint64_t addr = 0;
    std::uint64_t len = 0;
    std::uint64_t file_off = 0;
    std::string path;
};

struct TaskState {
    kernel::task_struct* task = nullptr;
    std::map<std::string, int> fds; // path -> fd, kept open between steps of a persistent task
    std::vector<Mapping> mappings;  // in creation order; the last one of a path is current
};

// One step being run: the task it runs in, what it printed and how it ended.
struct StepExec {
    TaskState* state = nullptr;
    bool persistent = false; // @NAME: files and mappings outlive the step
    std::vector<std::string> lines;
    int err = 0; // first errno (positive) a tool reported
    std::string detail;
    bool quiet = false;

    [[nodiscard]] kernel::task_struct* task() const { return state->task; }
    void print(std::string line);
    // Records a failure: keeps the first errno and its message.
    void fail(int errno_value, std::string message);
};

class Session {
  public:
    Session(kernel::Kernel& k, bool quiet) : k_(k), quiet_(quiet) {}
    [[nodiscard]] kernel::Kernel& kernel() { return k_; }
    [[nodiscard]] bool quiet() const { return quiet_; }

    // The live task NAME, created (with fresh state) on first use or after it died.
    TaskState& named_task(const std::string& name);

    // Hardware counters come from the machine; the runner hands them in.
    std::function<MetricMap()> hardware_metrics;
    // Every metric: kernel, hardware and sim.time_ns.
    [[nodiscard]] MetricMap metrics();

  private:
    kernel::Kernel& k_;
    bool quiet_;
    std::map<std::string, TaskState> tasks_;
};

// Tools (tools_*.cpp). Each runs one non-expect step in `exec`'s task.
void run_xfs_io(Session& s, const ParsedCommand& cmd, StepExec& exec);
void run_admin_command(Session& s, const ParsedCommand& cmd, StepExec& exec);
void dmsetup(Session& s, const ParsedCommand& cmd, StepExec& exec); // tools_dmsetup.cpp
void ndctl(Session& s, const ParsedCommand& cmd, StepExec& exec);   // tools_ndctl.cpp
// A command the parser knows but this build cannot run: ENOSYS.
void not_supported(StepExec& exec, std::string_view what);

// Expectations (expectations.cpp). `previous` is the last command step, if any.
[[nodiscard]] ExpectationRecord evaluate_expectation(Session& s, const Step& step,
                                                     const StepRecord* previous);

// Helpers shared by the tools.
[[nodiscard]] std::string errno_string(int err);  // "EIO"
[[nodiscard]] std::string strerror_text(int err); // "Input/output error"
// xfs_io's second report line: "4 KiB, 1 ops; 0.0000 sec (81.380 MiB/sec and 20833.3333 ops/sec)".
[[nodiscard]] std::string xfs_io_report(std::uint64_t bytes, std::uint64_t ops, std::uint64_t ns);
// xfs_io's cvtstr: "4 KiB", "1.500 MiB", "512 bytes".
[[nodiscard]] std::string xfs_io_cvtstr(double value);
// xfs_io's dump_buffer (pread -v): "00000000:  cd cd ... cd  ................".
[[nodiscard]] std::vector<std::string> xfs_io_hexdump(std::uint64_t offset,
                                                      const std::vector<std::byte>& data);

} // namespace daxsim::scenarios
