// The administrative tools and small commands a scenario runs: ndctl (tools_ndctl.cpp), mkfs.xfs, mount, umount, cp, rm,
// sync, prctl, sysctl, inject poison, madvise-hwpoison, unbind, sleep. Each prints what the real tool
// prints and records the errno it would exit with.
// mm_types.h comes first: glibc's <signal.h> (pulled in by C library headers) would rename siginfo's
// fields. Signal, open, mmap and prctl constants are the C library's macros, so they are unqualified.
#include "guest_api/mm/mm_types.h"

#include <cerrno>

#include <fmt/format.h>

#include "guest_api/admin.h"
#include "guest_api/fs/fs.h"
#include "guest_api/fs/xattr.h"
#include "guest_api/fs/xfs/xfs_mkfs.h"
#include "guest_api/kernel/kernel.h"
#include "guest_api/syscalls.h"
#include "scenarios/session.h"
#include "scenarios/units.h"

namespace daxsim::scenarios {
namespace {

namespace k = daxsim::kernel;

// `--file PATH --offset OFF` of inject poison: a device node or a file on a DAX file system.
std::optional<std::uint64_t> file_spa(k::Kernel& kern, const std::string& path, std::uint64_t off) {
    if (path.starts_with("/dev/")) return k::dev_offset_to_spa(kern, path, off);
    return k::file_offset_to_spa(kern, path, off);
}

void inject_poison(Session& s, const ParsedCommand& c, StepExec& ex) {
    auto& kern = s.kernel();
    auto& fw = kern.firmware();
    const std::uint64_t len = c.has("--len") ? c.option("--len")->number : fw.media_line_bytes();
    std::uint64_t spa = 0;
    if (c.has("--fs")) {
        // The command checker already rejected unknown kinds; a kind this fs lacks (rmapbt without
        // -m rmapbt=1), an AG past sb_agcount or a directory with no XFS mounted is ENXIO here.
        const std::string& dir = c.option("--fs")->text;
        const std::string& kind = c.option("--meta")->text;
        const unsigned ag = c.has("--ag") ? static_cast<unsigned>(c.option("--ag")->number) : 0;
        const auto found = k::fs_metadata_spa(kern, dir, kind, ag);
        if (!found)
            return ex.fail(ENXIO, fmt::format("inject poison: {} has no {} in AG {}", dir, kind, ag));
        if (!fw.inject_error(*found, len))
            return ex.fail(ENXIO, fmt::format("inject poison: no DIMM decodes SPA {:#x}", *found));
        return ex.print(fmt::format("poison: {} {} ag {} spa {:#x} len {}", dir, kind, ag, *found, len));
    }
    if (c.has("--dimm")) {
        const unsigned dimm = static_cast<unsigned>(std::stoul(c.option("--dimm")->text.substr(4)));
        const std::uint64_t dpa = c.option("--dpa")->number;
        if (!fw.inject_error_dpa(platform::DimmAddress{dimm, dpa}, len))
            return ex.fail(ENXIO, fmt::format("inject poison: nmem{} has no DPA {:#x}", dimm, dpa));
        return ex.print(fmt::format("poison: nmem{} dpa {:#x} len {}", dimm, dpa, len));
    }
    if (c.has("--spa")) {
        spa = c.option("--spa")->number;
    } else {
        const std::string& path = c.option("--file")->text;
        const std::uint64_t off = c.option("--offset")->number;
        if (c.has("--attr")) { // a block of the file's attribute fork (leaf or remote value block)
            const auto found = k::attr_offset_to_spa(kern, path, off);
            if (!found)
                return ex.fail(ENXIO,
                               fmt::format("inject poison: {} has no attribute fork block at offset {} "
                                           "(no attributes, or all of them in the inode)",
                                           path, off));
            spa = *found;
        }
        const auto found = c.has("--attr") ? std::optional<std::uint64_t>(spa) : file_spa(kern, path, off);
        if (!found)
            return ex.fail(ENXIO,
                           fmt::format("inject poison: {} has no block at offset {} (a hole?)", path, off));
        spa = *found;
    }
    if (!fw.inject_error(spa, len))
        return ex.fail(ENXIO, fmt::format("inject poison: no DIMM decodes SPA {:#x}", spa));
    ex.print(fmt::format("poison: spa {:#x} len {}", spa, len));
}

void copy_file(Session& s, const ParsedCommand& c, StepExec& ex) {
    auto& kern = s.kernel();
    const std::string& src = c.args[0].text;
    const std::string& dst = c.args[1].text;
    const std::string mode = c.has("--reflink") ? c.option("--reflink")->text : "never";
    const int sfd = k::sys_open(kern, ex.task(), src, O_RDONLY);
    if (sfd < 0)
        return ex.fail(-sfd, fmt::format("cp: cannot open '{}' for reading: {}", src, strerror_text(-sfd)));
    const int dfd = k::sys_open(kern, ex.task(), dst, O_WRONLY | O_CREAT | O_TRUNC);
    if (dfd < 0)
        return ex.fail(-dfd,
                       fmt::format("cp: cannot create regular file '{}': {}", dst, strerror_text(-dfd)));
    if (mode != "never") {
        const int r = k::sys_ioctl_ficlonerange(kern, ex.task(), dfd, sfd, 0, 0, 0);
        if (r == 0) return;
        if (mode == "always")
            return ex.fail(
                -r, fmt::format("cp: failed to clone '{}' from '{}': {}", dst, src, strerror_text(-r)));
    }
    // A plain copy, 64 KiB at a time as coreutils does on small files.
    const k::loff_t size = k::sys_file_size(kern, ex.task(), sfd);
    std::vector<std::byte> buf(64 * 1024);
    for (k::loff_t pos = 0; pos < size;) {
        const auto want =
            static_cast<std::size_t>(std::min<k::loff_t>(size - pos, static_cast<k::loff_t>(buf.size())));
        const k::ssize_t r = k::sys_pread(kern, ex.task(), sfd, std::span(buf).first(want), pos);
        if (r <= 0)
            return ex.fail(r < 0 ? static_cast<int>(-r) : EIO,
                           fmt::format("cp: error reading '{}': {}", src,
                                       strerror_text(r < 0 ? static_cast<int>(-r) : EIO)));
        const k::ssize_t w =
            k::sys_pwrite(kern, ex.task(), dfd, std::span(buf).first(static_cast<std::size_t>(r)), pos);
        if (w < 0)
            return ex.fail(static_cast<int>(-w), fmt::format("cp: error writing '{}': {}", dst,
                                                             strerror_text(static_cast<int>(-w))));
        pos += r;
    }
}

// setfattr's value argument: "0x..." is hex bytes, anything else the text itself (the shell already
// removed the quotes); daxsim's --size=N repeats it up to N bytes.
std::optional<std::string> setfattr_value(const ParsedCommand& c) {
    std::string v = c.option("--value")->text;
    if (v.size() >= 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
        std::string bytes;
        if (v.size() % 2 != 0) return std::nullopt;
        for (std::size_t i = 2; i < v.size(); i += 2) {
            const auto hex = [](char ch) -> int {
                if (ch >= '0' && ch <= '9') return ch - '0';
                if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
                if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
                return -1;
            };
            const int hi = hex(v[i]), lo = hex(v[i + 1]);
            if (hi < 0 || lo < 0) return std::nullopt;
            bytes.push_back(static_cast<char>(hi * 16 + lo));
        }
        v = std::move(bytes);
    }
    if (const Value* size = c.option("--size")) {
        std::string out;
        out.reserve(size->number);
        while (!v.empty() && out.size() < size->number)
            out.append(v, 0, std::min<std::uint64_t>(v.size(), size->number - out.size()));
        v = std::move(out);
    }
    return v;
}

// strerror as the attr tools print it (libmisc's strerror_ea): ENODATA is "No such attribute".
std::string attr_strerror(int err) {
    return err == ENODATA ? "No such attribute" : strerror_text(err);
}

void setfattr(Session& s, const ParsedCommand& c, StepExec& ex) {
    const std::string& path = c.args[0].text;
    int r = 0;
    if (c.has("--remove")) {
        r = k::sys_removexattr(s.kernel(), ex.task(), path, c.option("--remove")->text);
    } else {
        std::string value;
        if (c.has("--value")) {
            const auto v = setfattr_value(c);
            if (!v) return ex.fail(EINVAL, fmt::format("setfattr: {}: {}", path, strerror_text(EINVAL)));
            value = *v;
        }
        const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(value.data()),
                                               value.size());
        r = k::sys_setxattr(s.kernel(), ex.task(), path, c.option("--name")->text, bytes, 0);
    }
    if (r < 0) ex.fail(-r, fmt::format("setfattr: {}: {}", path, attr_strerror(-r)));
}

// getfattr's text encoding: printable characters as they are, the rest (and '"', '\') as \ooo.
std::string getfattr_text(const std::string& v) {
    std::string out = "\"";
    for (const char ch : v) {
        const auto u = static_cast<unsigned char>(ch);
        if (u < 0x20 || u >= 0x7f || ch == '"' || ch == '\\')
            out += fmt::format("\\{:03o}", u);
        else
            out += ch;
    }
    return out + "\"";
}

void getfattr(Session& s, const ParsedCommand& c, StepExec& ex) {
    const std::string& path = c.args[0].text;
    const std::string& name = c.option("--name")->text;
    long n = k::sys_getxattr(s.kernel(), ex.task(), path, name, {});
    std::vector<std::byte> buf;
    if (n >= 0) {
        buf.resize(static_cast<std::size_t>(n));
        n = k::sys_getxattr(s.kernel(), ex.task(), path, name, buf);
    }
    if (n < 0)
        return ex.fail(static_cast<int>(-n),
                       fmt::format("{}: {}: {}", path, name, attr_strerror(static_cast<int>(-n))));
    const std::string value(reinterpret_cast<const char*>(buf.data()), static_cast<std::size_t>(n));
    if (c.has("--only-values")) return ex.print(value);
    std::string shown;
    if (c.has("--encoding") && c.option("--encoding")->text == "hex") {
        shown = "0x";
        for (const char ch : value)
            shown += fmt::format("{:02x}", static_cast<unsigned char>(ch));
    } else {
        shown = getfattr_text(value);
    }
    const std::string rel = path.starts_with("/") ? path.substr(1) : path;
    if (path.starts_with("/")) ex.print("getfattr: Removing leading '/' from absolute path names");
    ex.print(fmt::format("# file: {}", rel));
    ex.print(fmt::format("{}={}", name, shown));
    ex.print("");
}

void madvise_hwpoison(Session& s, const ParsedCommand& c, StepExec& ex) {
    const std::string& path = c.args[0].text;
    const std::uint64_t off = c.args[1].number;
    const std::uint64_t len = c.args.size() > 2 ? c.args[2].number : k::PAGE_SIZE;
    const Mapping* m = nullptr;
    for (auto it = ex.state->mappings.rbegin(); it != ex.state->mappings.rend() && !m; ++it)
        if (it->path == path) m = &*it;
    if (!m) return ex.fail(EINVAL, fmt::format("madvise-hwpoison: the task has no mapping of {}", path));
    if (off < m->file_off || off + len > m->file_off + m->len)
        return ex.fail(EINVAL,
                       fmt::format("madvise-hwpoison: offset {} is outside the mapping of {}", off, path));
    const int r = k::sys_madvise(s.kernel(), ex.task(), m->addr + (off - m->file_off), len, MADV_HWPOISON);
    if (r < 0 && !ex.task()->exited) ex.fail(-r, fmt::format("madvise: {}", strerror_text(-r)));
}

} // namespace

void not_supported(StepExec& ex, std::string_view what) {
    ex.fail(ENOSYS, fmt::format("{}: not supported yet in this build", what));
}

void run_admin_command(Session& s, const ParsedCommand& c, StepExec& ex) {
    auto& kern = s.kernel();
    const std::string_view n = c.name();
    if (n.starts_with("ndctl ")) return ndctl(s, c, ex);
    if (n.starts_with("dmsetup ")) return dmsetup(s, c, ex);
    if (n == "mkfs.xfs") {
        k::MkfsOptions o;
        o.force = c.has("-f");
        auto kv = [&](std::string_view opt, std::string_view key) -> std::optional<std::string> {
            const auto it = c.options.find(std::string(opt));
            if (it == c.options.end()) return std::nullopt;
            for (const auto& v : it->second) {
                std::size_t start = 0;
                while (start <= v.text.size()) {
                    std::size_t comma = v.text.find(',', start);
                    if (comma == std::string::npos) comma = v.text.size();
                    const std::string item = v.text.substr(start, comma - start);
                    if (item.starts_with(std::string(key) + "=")) return item.substr(key.size() + 1);
                    start = comma + 1;
                }
            }
            return std::nullopt;
        };
        if (auto v = kv("-m", "reflink")) o.reflink = *v == "1";
        if (auto v = kv("-m", "rmapbt")) o.rmapbt = *v == "1";
        if (auto v = kv("-d", "agcount")) o.agcount = static_cast<unsigned>(std::stoul(*v));
        if (auto v = kv("-b", "size")) o.block_size = std::stoull(*v);
        k::xfs_mkfs_geometry geo;
        auto size_of = [](const std::string& v) { return parse_size(v).value(); }; // checked by the parser
        if (auto v = kv("-d", "su")) geo.stripe_unit = size_of(*v);
        if (auto v = kv("-d", "sw")) geo.stripe_width = static_cast<unsigned>(size_of(*v));
        if (auto v = kv("-l", "logdev")) geo.logdev = *v;
        if (auto v = kv("-l", "size")) geo.log_size = size_of(*v);
        const int r = k::xfs_mkfs(kern, c.args[0].text, o, geo);
        if (r < 0) ex.fail(-r, fmt::format("mkfs.xfs: {}: {}", c.args[0].text, strerror_text(-r)));
        return;
    }
    if (n == "mount") {
        const std::string opts = c.has("-o") ? c.option("-o")->text : "";
        const int r = k::do_mount(kern, c.args[0].text, c.args[1].text, opts);
        if (r < 0) ex.fail(-r, fmt::format("mount: {}: {}", c.args[1].text, strerror_text(-r)));
        return;
    }
    if (n == "umount") {
        const int r = k::do_umount(kern, c.args[0].text);
        if (r < 0) ex.fail(-r, fmt::format("umount: {}: {}", c.args[0].text, strerror_text(-r)));
        return;
    }
    if (n == "cp") return copy_file(s, c, ex);
    if (n == "rm") {
        const int r = k::sys_unlink(kern, ex.task(), c.args[0].text);
        if (r < 0 && !c.has("-f"))
            ex.fail(-r, fmt::format("rm: cannot remove '{}': {}", c.args[0].text, strerror_text(-r)));
        return;
    }
    if (n == "sync") return k::sys_sync(kern);
    if (n == "setfattr") return setfattr(s, c, ex);
    if (n == "getfattr") return getfattr(s, c, ex);
    if (n == "sysctl") {
        const std::string& assign = c.args[0].text;
        const std::size_t eq = assign.find('=');
        const int r = k::sysctl_write(kern, assign.substr(0, eq), assign.substr(eq + 1));
        if (r < 0)
            return ex.fail(
                -r, fmt::format("sysctl: setting key \"{}\": {}", assign.substr(0, eq), strerror_text(-r)));
        return ex.print(fmt::format("{} = {}", assign.substr(0, eq), assign.substr(eq + 1)));
    }
    if (n == "prctl") {
        TaskState& target = s.named_task(c.args[0].text);
        const std::string& policy = c.args[2].text;
        const unsigned long how = policy == "early"  ? PR_MCE_KILL_EARLY
                                  : policy == "late" ? PR_MCE_KILL_LATE
                                                     : PR_MCE_KILL_DEFAULT;
        const int r = k::sys_prctl(kern, target.task, PR_MCE_KILL, PR_MCE_KILL_SET, how);
        if (r < 0) ex.fail(-r, fmt::format("prctl: {}", strerror_text(-r)));
        return;
    }
    if (n == "inject poison") return inject_poison(s, c, ex);
    if (n == "madvise-hwpoison") return madvise_hwpoison(s, c, ex);
    if (n == "unbind") {
        const int r = k::unbind_device(kern, c.args[0].text);
        if (r < 0) ex.fail(-r, fmt::format("unbind: {}: {}", c.args[0].text, strerror_text(-r)));
        return;
    }
    if (n == "sleep") return kern.cpu_work(c.args[0].number);
    not_supported(ex, n); // patrol-scrub and powerfail need the machine: the runner runs them (tools_ras.cpp)
}

} // namespace daxsim::scenarios
