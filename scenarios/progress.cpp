#include "scenarios/progress.h"

#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

namespace daxsim::scenarios {

Progress::Progress(std::size_t total) : total_(total), enabled_(::isatty(STDERR_FILENO) == 1) {}

Progress::~Progress() {
    finish();
}

void Progress::update(std::size_t done, std::size_t failed) {
    if (!enabled_) return;
    fmt::print(stderr, "\r[{}/{}] points done, {} failed", done, total_, failed);
    std::fflush(stderr);
    open_ = true;
}

void Progress::finish() {
    if (!open_) return;
    fmt::print(stderr, "\n");
    open_ = false;
}

} // namespace daxsim::scenarios
