// One-line progress reports on stderr for long commands (sweep, run): shown only when stderr is a
// terminal, so logs and CI output stay free of carriage returns and escape sequences.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace daxsim::scenarios {

// Whether stderr is a terminal: progress lines are shown only then.
[[nodiscard]] bool stderr_is_terminal();

class Progress {
  public:
    explicit Progress(std::size_t total);
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;
    ~Progress();

    void update(std::size_t done, std::size_t failed);
    void finish(); // ends the line (idempotent)

    [[nodiscard]] bool enabled() const { return enabled_; }

  private:
    std::size_t total_;
    bool enabled_;
    bool open_ = false;
};

// Simulated time for a progress line: "0 ns", "750 ns", "12.500 us", "1.234 ms", "2.500 s".
[[nodiscard]] std::string format_sim_time(std::uint64_t ns);

// The `daxsim run` progress line while step `done` (0-based: that many steps are done) of `total` runs:
// "[2/12 steps] sim 1.234 ms | line 14: mount -o dax /dev/pmem0 /mnt/pmem". Control characters in the
// step text become spaces; the line is cut to `width` columns (at least the counters), ending "...".
[[nodiscard]] std::string format_run_progress(std::size_t done, std::size_t total, int line,
                                              std::string_view text, std::uint64_t sim_ns, std::size_t width);

// The progress line of `daxsim run`, kept as the last line of the terminal. When stdout is a terminal
// too (the live step echo and dmesg), stdout is replaced by a stream that erases the line before each
// write and draws it again after each complete line, so the two never mix. finish() (or the destructor)
// erases the line and gives stdout back.
class RunProgress {
  public:
    // Enabled when `show` is true and stderr is a terminal.
    RunProgress(std::size_t total_steps, bool show);
    RunProgress(const RunProgress&) = delete;
    RunProgress& operator=(const RunProgress&) = delete;
    ~RunProgress();

    // Step `index` (0-based) starts at simulated time `sim_ns`.
    void step(std::size_t index, int line, std::string_view text, std::uint64_t sim_ns);
    void finish(); // idempotent

    [[nodiscard]] bool enabled() const { return enabled_; }

  private:
    static ssize_t stdout_write(void* cookie, const char* buf, std::size_t size);
    void draw();
    void erase();

    std::size_t total_;
    bool enabled_;
    bool active_ = false; // a step is running: the line belongs on screen
    bool shown_ = false;  // the line is on screen now
    std::string line_;
    std::FILE* real_stdout_ = nullptr; // set while stdout is replaced
};

} // namespace daxsim::scenarios
