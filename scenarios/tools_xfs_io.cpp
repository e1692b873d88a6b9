// xfs_io as the runner emulates it: each -c command becomes the system calls xfs_io makes, and prints
// what xfs_io prints. In a persistent task (@NAME) the open file and the mappings outlive the step, so
// a later `@NAME xfs_io -c "mread ..." FILE` reads through the mapping an earlier step made.
// mm_types.h comes first: glibc's <signal.h> (pulled in by C library headers) would rename siginfo's
// fields. Signal, open, mmap and prctl constants are the C library's macros, so they are unqualified.
#include "guest_api/mm/mm_types.h"

#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

#include "guest_api/fs/fs.h"
#include "guest_api/fs/xattr.h"
#include "guest_api/kernel/kernel.h"
#include "guest_api/syscalls.h"
#include "scenarios/session.h"

namespace daxsim::scenarios {
namespace {

namespace k = daxsim::kernel;

// xfs_io's default I/O buffer: pwrite and pread issue one system call per 64 KiB.
constexpr std::uint64_t kIoBuffer = 64 * 1024;

struct XfsIo {
    Session& s;
    StepExec& ex;
    const std::string& path;
    int fd;

    k::Kernel& kern() { return s.kernel(); }
    k::task_struct* task() { return ex.task(); }
    std::uint64_t now() { return kern().now_ns(); }

    Mapping* current_mapping() {
        auto& maps = ex.state->mappings;
        for (auto it = maps.rbegin(); it != maps.rend(); ++it)
            if (it->path == path) return &*it;
        return nullptr;
    }

    // xfs_io's check_mapping_range: OFF LEN must lie inside the current mapping.
    std::optional<std::uint64_t> mapped_addr(std::string_view what, std::uint64_t off, std::uint64_t len) {
        Mapping* m = current_mapping();
        if (!m) {
            ex.fail(EINVAL, fmt::format("{}: no mapped regions, try 'help mmap'", what));
            return std::nullopt;
        }
        if (off < m->file_off) {
            ex.fail(EINVAL, fmt::format("offset ({}) is before start of mapping ({})", off, m->file_off));
            return std::nullopt;
        }
        if (off + len > m->file_off + m->len) {
            ex.fail(EINVAL, fmt::format("length ({}) is beyond end of mapping ({})", off + len - m->file_off,
                                        m->len));
            return std::nullopt;
        }
        return m->addr + (off - m->file_off);
    }

    void pwrite(const ParsedCommand& c) {
        const std::uint64_t off = c.args[0].number, len = c.args[1].number;
        const auto pattern = static_cast<std::byte>(c.has("-S") ? c.option("-S")->number : 0xcd);
        const std::uint64_t start = now();
        std::uint64_t done = 0, ops = 0;
        while (done < len) {
            const std::vector<std::byte> buf(std::min(kIoBuffer, len - done), pattern);
            const k::ssize_t r = k::sys_pwrite(kern(), task(), fd, buf, static_cast<k::loff_t>(off + done));
            if (r < 0)
                return ex.fail(static_cast<int>(-r),
                               fmt::format("pwrite: {}", strerror_text(static_cast<int>(-r))));
            ++ops;
            if (r == 0) break;
            done += static_cast<std::uint64_t>(r);
        }
        ex.print(fmt::format("wrote {}/{} bytes at offset {}", done, len, off));
        ex.print(xfs_io_report(done, ops, now() - start));
    }

    void pread(const ParsedCommand& c) {
        const std::uint64_t off = c.args[0].number, len = c.args[1].number;
        const std::uint64_t start = now();
        std::uint64_t done = 0, ops = 0;
        std::vector<std::byte> all;
        while (done < len) {
            std::vector<std::byte> buf(std::min(kIoBuffer, len - done));
            const k::ssize_t r = k::sys_pread(kern(), task(), fd, buf, static_cast<k::loff_t>(off + done));
            if (r < 0)
                return ex.fail(static_cast<int>(-r),
                               fmt::format("pread: {}", strerror_text(static_cast<int>(-r))));
            ++ops;
            if (r == 0) break;
            all.insert(all.end(), buf.begin(), buf.begin() + r);
            done += static_cast<std::uint64_t>(r);
        }
        if (c.has("-v"))
            for (auto& line : xfs_io_hexdump(off, all))
                ex.print(std::move(line));
        ex.print(fmt::format("read {}/{} bytes at offset {}", done, len, off));
        ex.print(xfs_io_report(done, ops, now() - start));
    }

    void mmap(const ParsedCommand& c) {
        const std::uint64_t off = c.args[0].number, len = c.args[1].number;
        int prot = PROT_READ | PROT_WRITE;
        if (c.has("-r") && !c.has("-w")) prot = PROT_READ;
        if (c.has("-w") && !c.has("-r")) prot = PROT_WRITE;
        const int flags = MAP_SHARED | (c.has("-S") ? MAP_SYNC : 0);
        const long addr = k::sys_mmap(kern(), task(), len, prot, flags, fd, static_cast<k::loff_t>(off));
        if (addr < 0)
            return ex.fail(static_cast<int>(-addr),
                           fmt::format("mmap: {}", strerror_text(static_cast<int>(-addr))));
        ex.state->mappings.push_back(Mapping{static_cast<std::uint64_t>(addr), len, off, path});
    }

    void mread(const ParsedCommand& c) {
        const std::uint64_t off = c.args[0].number, len = c.args[1].number;
        const auto addr = mapped_addr("mread", off, len);
        if (!addr) return;
        std::vector<std::byte> buf(len);
        if (k::user_load(kern(), task(), *addr, buf) < 0) return fault("mread");
        if (c.has("-v"))
            for (auto& line : xfs_io_hexdump(off, buf))
                ex.print(std::move(line));
    }

    void mwrite(const ParsedCommand& c) {
        const std::uint64_t off = c.args[0].number, len = c.args[1].number;
        const auto addr = mapped_addr("mwrite", off, len);
        if (!addr) return;
        const std::vector<std::byte> buf(len,
                                         static_cast<std::byte>(c.has("-S") ? c.option("-S")->number : 'X'));
        if (k::user_store(kern(), task(), *addr, buf) < 0) return fault("mwrite");
    }

    // A user access that did not complete: the task got a signal (and is dead when it was SIGBUS).
    void fault(std::string_view what) {
        if (!task()->exited) ex.fail(EFAULT, fmt::format("{}: {}", what, strerror_text(EFAULT)));
    }

    void msync(const ParsedCommand& c) {
        Mapping* m = current_mapping();
        if (!m) return ex.fail(EINVAL, "msync: no mapped regions, try 'help mmap'");
        const int r = k::sys_msync(kern(), task(), m->addr, m->len, c.has("-s") ? MS_SYNC : MS_ASYNC);
        if (r < 0) ex.fail(-r, fmt::format("msync: {}", strerror_text(-r)));
    }

    void munmap() {
        Mapping* m = current_mapping();
        if (!m) return ex.fail(EINVAL, "munmap: no mapped regions, try 'help mmap'");
        const int r = k::sys_munmap(kern(), task(), m->addr, m->len);
        auto& maps = ex.state->mappings;
        maps.erase(maps.begin() + (m - maps.data()));
        if (r < 0) ex.fail(-r, fmt::format("munmap: {}", strerror_text(-r)));
    }

    void simple(const char* what, int r) {
        if (r < 0) ex.fail(-r, fmt::format("{}: {}", what, strerror_text(-r)));
    }

    // Opens another file for reflink/dedupe as xfs_io does (read-only, closed afterwards).
    int open_source(const std::string& src, const char* what) {
        const int sfd = k::sys_open(kern(), task(), src, O_RDONLY);
        if (sfd < 0) ex.fail(-sfd, fmt::format("{}: {}: {}", what, src, strerror_text(-sfd)));
        return sfd;
    }

    void reflink(const ParsedCommand& c) {
        const int sfd = open_source(c.args[0].text, "reflink");
        if (sfd < 0) return;
        const bool whole = c.args.size() == 1;
        const std::uint64_t soff = whole ? 0 : c.args[1].number, doff = whole ? 0 : c.args[2].number,
                            len = whole ? 0 : c.args[3].number;
        const std::uint64_t start = now();
        const int r = k::sys_ioctl_ficlonerange(kern(), task(), fd, sfd, static_cast<k::loff_t>(soff),
                                                static_cast<k::loff_t>(len), static_cast<k::loff_t>(doff));
        const std::uint64_t elapsed = now() - start;
        k::sys_close(kern(), task(), sfd);
        if (r < 0) return ex.fail(-r, fmt::format("reflink: {}", strerror_text(-r)));
        ex.print(fmt::format("linked {}/{} bytes at offset {}", len, len, doff));
        ex.print(xfs_io_report(len, 1, elapsed));
    }

    void dedupe(const ParsedCommand& c) {
        const int sfd = open_source(c.args[0].text, "dedupe");
        if (sfd < 0) return;
        const std::uint64_t soff = c.args[1].number, doff = c.args[2].number, len = c.args[3].number;
        int status = k::FILE_DEDUPE_RANGE_SAME;
        k::u64 deduped = 0;
        const std::uint64_t start = now();
        const int r = k::sys_ioctl_fideduperange(kern(), task(), sfd, static_cast<k::loff_t>(soff),
                                                 static_cast<k::loff_t>(len), fd,
                                                 static_cast<k::loff_t>(doff), &status, &deduped);
        const std::uint64_t elapsed = now() - start;
        k::sys_close(kern(), task(), sfd);
        if (r < 0) return ex.fail(-r, fmt::format("XFS_IOC_FILE_EXTENT_SAME: {}", strerror_text(-r)));
        // Differing ranges are not an error for xfs_io: it says so and exits 0.
        if (status == k::FILE_DEDUPE_RANGE_DIFFERS)
            return ex.print("XFS_IOC_FILE_EXTENT_SAME: Extents did not match.");
        ex.print(fmt::format("deduped {}/{} bytes at offset {}", deduped, len, doff));
        ex.print(xfs_io_report(deduped, 1, elapsed));
    }

    // xfs_io fiemap: extents and holes in 512-byte units.
    void fiemap() {
        std::vector<k::fiemap_extent> extents;
        const int r = k::sys_ioctl_fiemap(kern(), task(), fd, &extents);
        if (r < 0) return ex.fail(-r, fmt::format("fiemap: {}", strerror_text(-r)));
        ex.print(fmt::format("{}:", path));
        std::uint64_t next = 0;
        unsigned n = 0;
        for (const auto& e : extents) {
            if (e.fe_logical > next)
                ex.print(fmt::format("\t{}: [{}..{}]: hole", n++, next / 512, e.fe_logical / 512 - 1));
            ex.print(fmt::format("\t{}: [{}..{}]: {}..{}{}", n++, e.fe_logical / 512,
                                 (e.fe_logical + e.fe_length) / 512 - 1, e.fe_physical / 512,
                                 (e.fe_physical + e.fe_length) / 512 - 1,
                                 (e.fe_flags & k::FIEMAP_EXTENT_SHARED) ? " shared" : ""));
            next = e.fe_logical + e.fe_length;
        }
    }

    // xfs_io extsize: without SIZE prints "[bytes] path"; with it sets the hint (FS_IOC_FSSETXATTR with
    // FS_XFLAG_EXTSIZE; 0 is no hint), which XFS refuses with EINVAL once the file has extents.
    void extsize(const ParsedCommand& c) {
        k::fileattr fa;
        if (const int r = k::sys_ioctl_fsgetxattr(kern(), task(), fd, &fa); r < 0)
            return ex.fail(-r, fmt::format("xfs_io: FS_IOC_FSGETXATTR {}: {}", path, strerror_text(-r)));
        if (c.args.empty()) return ex.print(fmt::format("[{}] {}", fa.fsx_extsize, path));
        fa.fsx_extsize = static_cast<k::u32>(c.args[0].number);
        fa.fsx_xflags |= k::FS_XFLAG_EXTSIZE; // as xfs_io's set_extsize, also for 0 (no hint)
        if (const int r = k::sys_ioctl_fssetxattr(kern(), task(), fd, fa); r < 0)
            ex.fail(-r, fmt::format("xfs_io: FS_IOC_FSSETXATTR {}: {}", path, strerror_text(-r)));
    }

    void run(const ParsedCommand& c) {
        const std::string_view n = c.name();
        if (n == "pwrite")
            pwrite(c);
        else if (n == "pread")
            pread(c);
        else if (n == "mmap")
            mmap(c);
        else if (n == "mread")
            mread(c);
        else if (n == "mwrite")
            mwrite(c);
        else if (n == "msync")
            msync(c);
        else if (n == "munmap")
            munmap();
        else if (n == "fsync")
            simple("fsync", k::sys_fsync(kern(), task(), fd));
        else if (n == "falloc")
            simple("fallocate", k::sys_fallocate(kern(), task(), fd, c.has("-k") ? FALLOC_FL_KEEP_SIZE : 0,
                                                 static_cast<k::loff_t>(c.args[0].number),
                                                 static_cast<k::loff_t>(c.args[1].number)));
        else if (n == "fpunch")
            simple("fallocate",
                   k::sys_fallocate(kern(), task(), fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                                    static_cast<k::loff_t>(c.args[0].number),
                                    static_cast<k::loff_t>(c.args[1].number)));
        else if (n == "funshare")
            simple("fallocate", k::sys_fallocate(kern(), task(), fd, FALLOC_FL_UNSHARE_RANGE,
                                                 static_cast<k::loff_t>(c.args[0].number),
                                                 static_cast<k::loff_t>(c.args[1].number)));
        else if (n == "truncate")
            simple("ftruncate",
                   k::sys_ftruncate(kern(), task(), fd, static_cast<k::loff_t>(c.args[0].number)));
        else if (n == "reflink")
            reflink(c);
        else if (n == "dedupe")
            dedupe(c);
        else if (n == "fiemap")
            fiemap();
        else if (n == "extsize")
            extsize(c);
        else
            ex.fail(ENOSYS, fmt::format("{}: not supported yet", n));
    }
};

} // namespace

void run_xfs_io(Session& s, const ParsedCommand& cmd, StepExec& ex) {
    const std::string& path = cmd.args.at(0).text;
    int fd = -1;
    if (const auto it = ex.state->fds.find(path); it != ex.state->fds.end()) {
        fd = it->second;
    } else {
        int flags = cmd.has("-r") ? O_RDONLY : O_RDWR;
        if (cmd.has("-f")) flags |= O_CREAT;
        fd = k::sys_open(s.kernel(), ex.task(), path, flags);
        if (fd < 0) return ex.fail(-fd, fmt::format("{}: {}", path, strerror_text(-fd)));
        ex.state->fds[path] = fd;
    }
    XfsIo io{s, ex, path, fd};
    for (const auto& sub : cmd.subcommands) {
        io.run(sub);
        if (ex.task()->exited) break; // killed (SIGBUS): the remaining commands never run
    }
}

} // namespace daxsim::scenarios
