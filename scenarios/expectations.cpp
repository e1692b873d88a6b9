// `expect ...` against the kernel's state after the steps above it. Each returns pass/fail with a
// detail that says what was found, so that a failed run explains itself.
// mm_types.h comes first: glibc's <signal.h> (pulled in by C library headers) would rename siginfo's
// fields. Signal, open, mmap and prctl constants are the C library's macros, so they are unqualified.
#include "guest_api/mm/mm_types.h"

#include <cerrno>
#include <set>

#include <fmt/format.h>
#include <re2/re2.h>

#include "guest_api/admin.h"
#include "guest_api/fs/fs.h"
#include "guest_api/fs/xfs/xfs_check.h"
#include "guest_api/kernel/kernel.h"
#include "guest_api/syscalls.h"
#include "scenarios/session.h"

namespace daxsim::scenarios {
namespace {

namespace k = daxsim::kernel;

std::string signal_name(int sig) {
    using namespace daxsim::kernel; // SIGBUS & co. are kernel constants, or glibc macros where <signal.h>
                                    // came in
    switch (sig) {
    case SIGBUS:
        return "SIGBUS";
    case SIGKILL:
        return "SIGKILL";
    case SIGSEGV:
        return "SIGSEGV";
    default:
        return fmt::format("signal {}", sig);
    }
}

std::string si_code_name(int code) {
    switch (code) {
    case k::BUS_MCEERR_AR:
        return "BUS_MCEERR_AR";
    case k::BUS_MCEERR_AO:
        return "BUS_MCEERR_AO";
    case k::BUS_ADRERR:
        return "BUS_ADRERR";
    default:
        return fmt::format("code {}", code);
    }
}

std::string describe(const k::siginfo& si) {
    return fmt::format("{} {} addr={:#x} lsb={}", signal_name(si.si_signo), si_code_name(si.si_code),
                       si.si_addr, si.si_addr_lsb);
}

// The whole file (or [off, off+len)) read through pread by a fresh task, as `cat` would.
struct ReadBack {
    std::vector<std::byte> data;
    int err = 0;
    std::uint64_t err_at = 0;
};

ReadBack read_file(k::Kernel& kern, const std::string& path,
                   std::optional<std::pair<std::uint64_t, std::uint64_t>> range) {
    ReadBack out;
    k::task_struct* t = k::sys_spawn(kern, "expect");
    const int fd = k::sys_open(kern, t, path, O_RDONLY);
    if (fd < 0) {
        out.err = -fd;
        if (!t->exited) k::do_exit(kern, t, 0);
        return out;
    }
    std::uint64_t off = 0, len = 0;
    if (range) {
        std::tie(off, len) = *range;
    } else {
        const k::loff_t size = k::sys_file_size(kern, t, fd);
        len = size > 0 ? static_cast<std::uint64_t>(size) : 0;
    }
    while (out.data.size() < len) {
        std::vector<std::byte> buf(std::min<std::uint64_t>(len - out.data.size(), 1 << 20));
        const std::uint64_t pos = off + out.data.size();
        const k::ssize_t r = k::sys_pread(kern, t, fd, buf, static_cast<k::loff_t>(pos));
        if (r < 0) {
            out.err = static_cast<int>(-r);
            out.err_at = pos;
            break;
        }
        if (r == 0) break;
        out.data.insert(out.data.end(), buf.begin(), buf.begin() + r);
    }
    if (!t->exited) k::do_exit(kern, t, 0);
    return out;
}

// Physical byte address of each 4 KiB block of the file in [off, off+len); nullopt for holes.
struct BlockMap {
    std::vector<std::optional<std::uint64_t>> blocks;
    int err = 0;
};

BlockMap block_map(k::Kernel& kern, const std::string& path, std::uint64_t off, std::uint64_t len) {
    BlockMap out;
    k::task_struct* t = k::sys_spawn(kern, "expect");
    const int fd = k::sys_open(kern, t, path, O_RDONLY);
    std::vector<k::fiemap_extent> extents;
    if (fd < 0)
        out.err = -fd;
    else if (const int r = k::sys_ioctl_fiemap(kern, t, fd, &extents); r < 0)
        out.err = -r;
    if (!t->exited) k::do_exit(kern, t, 0);
    for (std::uint64_t pos = off; pos < off + len; pos += k::PAGE_SIZE) {
        std::optional<std::uint64_t> phys;
        for (const auto& e : extents)
            if (pos >= e.fe_logical && pos < e.fe_logical + e.fe_length)
                phys = e.fe_physical + (pos - e.fe_logical);
        out.blocks.push_back(phys);
    }
    return out;
}

std::uint64_t file_size(k::Kernel& kern, const std::string& path) {
    k::task_struct* t = k::sys_spawn(kern, "expect");
    const int fd = k::sys_open(kern, t, path, O_RDONLY);
    const k::loff_t size = fd < 0 ? 0 : k::sys_file_size(kern, t, fd);
    if (!t->exited) k::do_exit(kern, t, 0);
    return size > 0 ? static_cast<std::uint64_t>(size) : 0;
}

bool compare(double a, std::string_view op, double b) {
    if (op == "==") return a == b;
    if (op == "!=") return a != b;
    if (op == "<") return a < b;
    if (op == "<=") return a <= b;
    if (op == ">") return a > b;
    return a >= b;
}

std::string format_number(double v) {
    if (v >= 0 && v < 9.0e15 && static_cast<double>(static_cast<std::uint64_t>(v)) == v)
        return fmt::format("{}", static_cast<std::uint64_t>(v));
    return fmt::format("{}", v);
}

} // namespace

ExpectationRecord evaluate_expectation(Session& s, const Step& step, const StepRecord* prev) {
    ExpectationRecord rec;
    rec.line = step.source.line;
    rec.text = step.source.text;
    auto& kern = s.kernel();
    const ParsedCommand& c = step.command;
    const std::string_view n = c.name();
    auto result = [&](bool pass, std::string detail) {
        rec.pass = pass;
        rec.detail = std::move(detail);
        return rec;
    };
    auto prev_summary = [&] {
        if (!prev) return std::string("no step ran before it");
        if (prev->outcome == "ok") return fmt::format("line {} succeeded", prev->line);
        if (prev->outcome == "signalled")
            return fmt::format("line {} was killed: {}", prev->line, prev->detail);
        return fmt::format("line {} failed with {}: {}", prev->line, prev->error, prev->detail);
    };
    if (n == "expect ok") return result(prev && prev->outcome == "ok", prev_summary());
    if (n == "expect errno") {
        const std::string& want = c.args[0].text;
        const std::string want_name = errno_string(static_cast<int>(c.args[0].number));
        return result(prev && prev->outcome == "failed" && prev->error == want_name,
                      want == want_name ? prev_summary() : fmt::format("{} ({})", prev_summary(), want_name));
    }
    if (n == "expect output") {
        const RE2 re(c.args[0].text, RE2::Quiet);
        if (prev)
            for (const auto& line : prev->output)
                if (RE2::PartialMatch(line, re)) return result(true, line);
        return result(false, prev ? fmt::format("no line of line {}'s {} output lines matches", prev->line,
                                                prev->output.size())
                                  : "no step ran before it");
    }
    if (n == "expect dmesg") {
        const RE2 re(c.args[0].text, RE2::Quiet);
        for (const auto& line : kern.dmesg().lines())
            if (RE2::PartialMatch(line.text, re)) return result(true, line.formatted());
        return result(false, fmt::format("no dmesg line matches ({} lines)", kern.dmesg().lines().size()));
    }
    if (n == "expect signal" || n == "expect no-signal" || n == "expect killed" || n == "expect alive") {
        const std::string& name = c.args[0].text;
        k::task_struct* t = k::find_task_any(kern, name);
        if (!t) return result(false, fmt::format("no task named '{}' ever ran", name));
        std::vector<std::string> got;
        for (const auto& si : t->signals)
            got.push_back(describe(si));
        const std::string received = got.empty() ? "no signal" : fmt::format("{}", fmt::join(got, "; "));
        if (n == "expect no-signal") return result(t->signals.empty(), received);
        if (n == "expect killed")
            return result(t->killed_by.has_value(),
                          t->killed_by ? fmt::format("killed by {}", signal_name(*t->killed_by))
                                       : (t->exited ? "exited" : "alive"));
        if (n == "expect alive") return result(!t->exited, t->exited ? "not alive" : "alive");
        const std::string& want_sig = c.args[1].text;
        for (const auto& si : t->signals) {
            if (signal_name(si.si_signo) != want_sig) continue;
            if (c.args.size() > 2 && si_code_name(si.si_code) != c.args[2].text) continue;
            if (const Value* lsb = c.keyval("lsb");
                lsb && static_cast<std::uint64_t>(si.si_addr_lsb) != lsb->number)
                continue;
            if (const Value* addr = c.keyval("addr"); addr && si.si_addr != addr->number) continue;
            return result(true, describe(si));
        }
        return result(false, fmt::format("{} received: {}", name, received));
    }
    if (n == "expect shutdown") {
        const bool down = k::fs_is_shutdown(kern, c.args[0].text);
        return result(down, down ? "shut down"
                                 : (k::fs_is_mounted(kern, c.args[0].text) ? "mounted and not shut down"
                                                                           : "not mounted"));
    }
    if (n == "expect mounted") {
        const bool mounted = k::fs_is_mounted(kern, c.args[0].text);
        return result(mounted,
                      mounted ? (k::fs_is_shutdown(kern, c.args[0].text) ? "mounted (shut down)" : "mounted")
                              : "not mounted");
    }
    if (n == "expect data") {
        const std::uint64_t off = c.args[1].number, len = c.args[2].number;
        const auto want = static_cast<std::byte>(c.args[3].number);
        const ReadBack rb = read_file(kern, c.args[0].text, std::pair{off, len});
        if (rb.err)
            return result(false,
                          fmt::format("read failed at offset {}: {}", rb.err_at, strerror_text(rb.err)));
        if (rb.data.size() < len)
            return result(false, fmt::format("file ends at offset {}", off + rb.data.size()));
        for (std::size_t i = 0; i < rb.data.size(); ++i)
            if (rb.data[i] != want)
                return result(false,
                              fmt::format("byte at offset {} is {:#04x}, expected {:#04x}", off + i,
                                          static_cast<unsigned>(rb.data[i]), static_cast<unsigned>(want)));
        return result(true, fmt::format("{} bytes of {:#04x}", len, static_cast<unsigned>(want)));
    }
    if (n == "expect same") {
        const ReadBack a = read_file(kern, c.args[0].text, std::nullopt);
        const ReadBack b = read_file(kern, c.args[1].text, std::nullopt);
        if (a.err)
            return result(false, fmt::format("{}: read failed at offset {}: {}", c.args[0].text, a.err_at,
                                             strerror_text(a.err)));
        if (b.err)
            return result(false, fmt::format("{}: read failed at offset {}: {}", c.args[1].text, b.err_at,
                                             strerror_text(b.err)));
        if (a.data.size() != b.data.size())
            return result(false, fmt::format("sizes differ: {} and {}", a.data.size(), b.data.size()));
        for (std::size_t i = 0; i < a.data.size(); ++i)
            if (a.data[i] != b.data[i]) return result(false, fmt::format("first difference at offset {}", i));
        return result(true, fmt::format("{} identical bytes", a.data.size()));
    }
    if (n == "expect shared" || n == "expect unshared") {
        const std::string& f1 = c.args[0].text;
        const std::string& f2 = c.args[1].text;
        // OFF LEN: the same range of both files; OFF1 OFF2 LEN: FILE1 at OFF1 against FILE2 at OFF2 (as
        // reflink and dedupe name their ranges).
        std::uint64_t off = 0, off2 = 0, len = 0;
        if (c.args.size() == 4) {
            off = off2 = c.args[2].number;
            len = c.args[3].number;
        } else if (c.args.size() == 5) {
            off = c.args[2].number;
            off2 = c.args[3].number;
            len = c.args[4].number;
        } else {
            len = std::max(file_size(kern, f1), file_size(kern, f2));
        }
        const BlockMap a = block_map(kern, f1, off, len);
        const BlockMap b = block_map(kern, f2, off2, len);
        if (a.err) return result(false, fmt::format("{}: {}", f1, strerror_text(a.err)));
        if (b.err) return result(false, fmt::format("{}: {}", f2, strerror_text(b.err)));
        if (n == "expect shared") {
            for (std::size_t i = 0; i < a.blocks.size(); ++i)
                if (!a.blocks[i] || a.blocks[i] != b.blocks[i])
                    return result(false,
                                  fmt::format("block at offset {} is not shared", off + i * k::PAGE_SIZE));
            return result(true, fmt::format("{} blocks shared", a.blocks.size()));
        }
        std::set<std::uint64_t> mine;
        for (const auto& p : a.blocks)
            if (p) mine.insert(*p);
        for (std::size_t i = 0; i < b.blocks.size(); ++i)
            if (b.blocks[i] && mine.count(*b.blocks[i]))
                return result(false, fmt::format("{} block at offset {} is shared (physical {:#x})", f2,
                                                 off2 + i * k::PAGE_SIZE, *b.blocks[i]));
        return result(true, "no block shared");
    }
    if (n == "expect consistent") {
        // xfs_repair -n on the mounted file system: forks, rmapbt, refcountbt and free space agree.
        const std::string dir = c.args[0].text.size() > 1 && c.args[0].text.ends_with('/')
                                    ? c.args[0].text.substr(0, c.args[0].text.size() - 1)
                                    : c.args[0].text;
        const auto all = k::xfs_check_mounts(kern);
        const auto it = all.find(dir);
        if (it == all.end()) return result(false, fmt::format("no XFS mounted on {}", dir));
        if (!it->second.empty())
            return result(false,
                          fmt::format("{} problem(s); first: {}", it->second.size(), it->second.front()));
        return result(true, "consistent");
    }
    if (n == "expect badblocks") {
        int err = 0;
        const auto bad = k::ndctl_badblocks(kern, c.args[0].text, &err);
        if (err) return result(false, fmt::format("{}: {}", c.args[0].text, strerror_text(err)));
        std::uint64_t count = 0;
        for (const auto& b : bad)
            count += b.length;
        return result(count == c.args[1].number, fmt::format("{} bad blocks", count));
    }
    if (n == "expect metric") {
        const MetricMap metrics = s.metrics();
        const std::string& name = c.args[0].text;
        const auto it = metrics.find(name);
        if (it == metrics.end()) {
            std::vector<std::string> names;
            for (const auto& [key, v] : metrics)
                names.push_back(key);
            const std::string hint = did_you_mean(name, names);
            return result(false, fmt::format("no metric '{}'{}", name, hint.empty() ? "" : "; " + hint));
        }
        return result(compare(it->second, c.args[1].text, c.args[2].real),
                      fmt::format("{} = {}", name, format_number(it->second)));
    }
    return result(false, fmt::format("'{}' is not implemented", n));
}

} // namespace daxsim::scenarios
