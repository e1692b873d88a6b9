// The guest's kernel log (dmesg): one stream of lines with the simulated time the kernel prints in front
// of them, "[    0.000123] msg". Every layer of the simulated kernel logs through the Kernel's Dmesg.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace daxsim::kernel {

enum class LogLevel { emerg, alert, crit, err, warning, notice, info, debug };

struct DmesgLine {
    std::uint64_t time_ns = 0;
    LogLevel level = LogLevel::info;
    std::string text;            // without the timestamp
    [[nodiscard]] std::string formatted() const;   // "[    0.000123] text"
};

class Dmesg {
  public:
    void log(std::uint64_t now_ns, LogLevel level, std::string text);
    [[nodiscard]] const std::vector<DmesgLine>& lines() const { return lines_; }
    // Called for each new line (the runner echoes dmesg live unless --quiet).
    void set_echo(bool on) { echo_ = on; }

  private:
    std::vector<DmesgLine> lines_;
    bool echo_ = false;
};

// "[    0.000123]" for 123000 ns: seconds right-aligned in 5 columns, microseconds in 6, as printk does.
[[nodiscard]] std::string format_printk_time(std::uint64_t ns);

} // namespace daxsim::kernel
