#include "guest_api/kernel/printk.h"

#include <fmt/format.h>

namespace daxsim::kernel {

std::string format_printk_time(std::uint64_t ns) {
    const std::uint64_t us = ns / 1000;
    return fmt::format("[{:5}.{:06}]", us / 1'000'000, us % 1'000'000);
}

std::string DmesgLine::formatted() const { return format_printk_time(time_ns) + " " + text; }

void Dmesg::log(std::uint64_t now_ns, LogLevel level, std::string text) {
    lines_.push_back(DmesgLine{now_ns, level, std::move(text)});
    if (echo_) fmt::print("{}\n", lines_.back().formatted());
}

} // namespace daxsim::kernel
