#include "scenarios/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include <fmt/format.h>

namespace daxsim::scenarios {
namespace {

// The escape that erases from the cursor to the end of the line, after a carriage return.
constexpr std::string_view kEraseLine = "\r\x1b[K";

void write_fully(int fd, std::string_view s) {
    while (!s.empty()) {
        const ssize_t n = ::write(fd, s.data(), s.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        s.remove_prefix(static_cast<std::size_t>(n));
    }
}

// Columns of the terminal on stderr; 80 when it does not say.
std::size_t terminal_width() {
    winsize ws{};
    if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
    return 80;
}

// UTF-8 continuation bytes take no column of their own.
bool starts_column(char c) {
    return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U;
}

} // namespace

bool stderr_is_terminal() {
    return ::isatty(STDERR_FILENO) == 1;
}

Progress::Progress(std::size_t total) : total_(total), enabled_(stderr_is_terminal()) {}

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

std::string format_sim_time(std::uint64_t ns) {
    if (ns < 1000) return fmt::format("{} ns", ns);
    const auto v = static_cast<double>(ns);
    if (ns < 1000000) return fmt::format("{:.3f} us", v / 1e3);
    if (ns < 1000000000) return fmt::format("{:.3f} ms", v / 1e6);
    return fmt::format("{:.3f} s", v / 1e9);
}

std::string format_run_progress(std::size_t done, std::size_t total, int line, std::string_view text,
                                std::uint64_t sim_ns, std::size_t width) {
    const std::string head = fmt::format("[{}/{} steps] sim {}", done, total, format_sim_time(sim_ns));
    std::string out = fmt::format("{} | line {}: ", head, line);
    for (const char c : text)
        out += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? ' ' : c;
    std::size_t columns = 0;
    for (const char c : out)
        columns += starts_column(c) ? 1 : 0;
    if (columns <= width) return out;
    // Cut to width - 3 columns, then "..."; never shorter than the counters.
    const std::size_t keep = std::max(width, head.size() + 3) - 3;
    std::size_t cut = 0;
    for (std::size_t col = 0; cut < out.size(); ++cut) {
        if (starts_column(out[cut]) && col++ == keep) break;
    }
    return out.substr(0, cut) + "...";
}

RunProgress::RunProgress(std::size_t total_steps, bool show)
    : total_(total_steps), enabled_(show && stderr_is_terminal()) {
    if (!enabled_ || ::isatty(STDOUT_FILENO) != 1) return;
    // stdout on the same screen: route it through stdout_write (glibc lets programs assign stdout).
    const cookie_io_functions_t io{nullptr, &RunProgress::stdout_write, nullptr, nullptr};
    std::FILE* f = ::fopencookie(this, "w", io);
    if (!f) return;
    std::setvbuf(f, nullptr, _IOLBF, BUFSIZ);
    std::fflush(stdout);
    real_stdout_ = stdout;
    stdout = f;
}

RunProgress::~RunProgress() {
    finish();
}

ssize_t RunProgress::stdout_write(void* cookie, const char* buf, std::size_t size) {
    auto* self = static_cast<RunProgress*>(cookie);
    self->erase();
    write_fully(STDOUT_FILENO, std::string_view(buf, size));
    // Drawn again below a complete line; after a partial line the cursor stays where it is.
    if (self->active_ && size > 0 && buf[size - 1] == '\n') self->draw();
    return static_cast<ssize_t>(size);
}

void RunProgress::draw() {
    std::string s(kEraseLine);
    s += line_;
    write_fully(STDERR_FILENO, s);
    shown_ = true;
}

void RunProgress::erase() {
    if (!shown_) return;
    write_fully(STDERR_FILENO, kEraseLine);
    shown_ = false;
}

void RunProgress::step(std::size_t index, int line, std::string_view text, std::uint64_t sim_ns) {
    if (!enabled_) return;
    std::fflush(stdout); // what the last step printed comes first
    std::fflush(stderr);
    // One column short of the width: a line that fills the last column wraps on some terminals.
    line_ = format_run_progress(index, total_, line, text, sim_ns, terminal_width() - 1);
    active_ = true;
    draw();
}

void RunProgress::finish() {
    if (!enabled_) return;
    std::fflush(stdout);
    active_ = false;
    erase();
    if (real_stdout_) {
        std::FILE* f = stdout;
        stdout = real_stdout_;
        real_stdout_ = nullptr;
        std::fclose(f);
    }
    enabled_ = false;
}

} // namespace daxsim::scenarios
