// How xfs_io and the shell print things (libfrog cvtstr, io/pread.c dump_buffer, report_io_times),
// reproduced so that a scenario's output reads like a real session. No kernel calls: unit-testable.
#include "guest_api/kernel/errno.h" // before standard headers: see commands.cpp

#include <cmath>
#include <cstdint>

#include <fmt/format.h>

#include "scenarios/session.h"

namespace daxsim::scenarios {

std::string errno_string(int err) {
    if (err == 0) return {};
    if (auto n = kernel::errno_name(err)) return std::string(*n);
    return fmt::format("E{}", err < 0 ? -err : err);
}

std::string strerror_text(int err) {
    return std::string(kernel::errno_text(err));
}

std::string xfs_io_cvtstr(double value) {
    // As libfrog's cvtstr: whole numbers print without decimals, others with three.
    const bool precise = std::floor(value) == value;
    struct Unit {
        double factor;
        const char* name;
    };
    constexpr std::array<Unit, 6> units{{{1125899906842624.0 * 1024, "EiB"},
                                         {1125899906842624.0, "PiB"},
                                         {1099511627776.0, "TiB"},
                                         {1073741824.0, "GiB"},
                                         {1048576.0, "MiB"},
                                         {1024.0, "KiB"}}};
    for (const auto& u : units)
        if (value >= u.factor)
            return precise ? fmt::format("{:.0f} {}", value / u.factor, u.name)
                           : fmt::format("{:.3f} {}", value / u.factor, u.name);
    return precise ? fmt::format("{:.0f} bytes", value) : fmt::format("{:.3f} bytes", value);
}

std::string xfs_io_report(std::uint64_t bytes, std::uint64_t ops, std::uint64_t ns) {
    // Simulated time; a zero-length interval would divide by zero, xfs_io's clock never reads zero.
    const double secs = static_cast<double>(std::max<std::uint64_t>(ns, 1)) / 1e9;
    return fmt::format("{}, {} ops; {:.4f} sec ({}/sec and {:.4f} ops/sec)",
                       xfs_io_cvtstr(static_cast<double>(bytes)), ops, static_cast<double>(ns) / 1e9,
                       xfs_io_cvtstr(static_cast<double>(bytes) / secs), static_cast<double>(ops) / secs);
}

std::vector<std::string> xfs_io_hexdump(std::uint64_t offset, const std::vector<std::byte>& data) {
    std::vector<std::string> lines;
    for (std::size_t i = 0; i < data.size(); i += 16) {
        std::string line = fmt::format("{:08x}:  ", offset + i);
        std::string chars;
        for (std::size_t j = i; j < std::min(i + 16, data.size()); ++j) {
            const auto c = static_cast<unsigned char>(data[j]);
            line += fmt::format("{:02x} ", c);
            chars += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '.';
        }
        lines.push_back(line + " " + chars);
    }
    return lines;
}

void StepExec::print(std::string line) {
    if (!quiet) fmt::print("{}\n", line);
    lines.push_back(std::move(line));
}

void StepExec::fail(int errno_value, std::string message) {
    if (errno_value < 0) errno_value = -errno_value;
    if (err == 0) {
        err = errno_value;
        detail = message;
    }
    print(std::move(message));
}

} // namespace daxsim::scenarios
