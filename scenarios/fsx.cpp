// `daxsim fsx` (fsx.h): runs the generated operations (fsx_oracle.h) on the simulated kernel, compares
// every result with the oracle, checks sharing and xfs_check every few operations, and on a mismatch
// shrinks the operations so far by delta debugging and writes them as a scenario.
#include "guest_api/mm/mm_types.h"

#include "scenarios/fsx.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "guest_api/admin.h"
#include "guest_api/fs/xfs/xfs_check.h"
#include "guest_api/kernel/kernel.h"
#include "guest_api/mm/memory_failure.h"
#include "guest_api/syscalls.h"
#include "models/tracer.h"
#include "platform/functional_memory.h"
#include "platform/machine.h"
#include "scenarios/atomic_file.h"
#include "scenarios/fsx_oracle.h"
#include "scenarios/params.h"

namespace daxsim::scenarios {
namespace {

namespace k = daxsim::kernel;
using namespace fsx;

struct Exec {
    k::Kernel& kern;
    k::task_struct* t = nullptr;
    std::array<int, kFiles> fds{};
    std::string ns_dev;
    std::string repro_expect; // the expectation that fails where fsx found a content mismatch

    // Runs op; returns 0 or the errno; for reads, *mismatch describes a disagreement with the oracle.
    int run(const Op& op, const Oracle& o, std::string* mismatch) {
        const int fd = fds[op.file];
        switch (op.kind) {
        case OpKind::clear:
            return clear(op, o);
        case OpKind::pwrite: {
            const std::vector<std::byte> buf(op.len, std::byte(op.fill));
            const k::ssize_t r = k::sys_pwrite(kern, t, fd, buf, static_cast<k::loff_t>(op.off));
            if (r < 0) return static_cast<int>(-r);
            if (static_cast<u64>(r) != op.len)
                *mismatch = fmt::format("short write: {} of {} bytes", r, op.len);
            return 0;
        }
        case OpKind::mwrite: {
            const long addr = k::sys_mmap(kern, t, op.soff, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
            if (addr < 0) return static_cast<int>(-addr);
            const std::vector<std::byte> buf(op.len, std::byte(op.fill));
            const int r = k::user_store(kern, t, static_cast<u64>(addr) + op.off, buf);
            if (t->exited) {
                *mismatch = "the task was killed by a mapped write";
                return EFAULT;
            }
            (void)k::sys_munmap(kern, t, static_cast<u64>(addr), op.soff);
            return r < 0 ? -r : 0;
        }
        case OpKind::pread:
            return check_read(op, o, mismatch);
        case OpKind::reflink:
            return -k::sys_ioctl_ficlonerange(kern, t, fd, fds[op.src], static_cast<k::loff_t>(op.soff),
                                              static_cast<k::loff_t>(op.len), static_cast<k::loff_t>(op.off));
        case OpKind::dedupe: {
            int status = 0;
            u64 bytes = 0;
            return -k::sys_ioctl_fideduperange(kern, t, fds[op.src], static_cast<k::loff_t>(op.soff),
                                               static_cast<k::loff_t>(op.len), fd,
                                               static_cast<k::loff_t>(op.off), &status, &bytes);
        }
        case OpKind::punch:
            return -k::sys_fallocate(kern, t, fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                                     static_cast<k::loff_t>(op.off), static_cast<k::loff_t>(op.len));
        case OpKind::falloc:
            return -k::sys_fallocate(kern, t, fd, 0, static_cast<k::loff_t>(op.off),
                                     static_cast<k::loff_t>(op.len));
        case OpKind::truncate:
            return -k::sys_ftruncate(kern, t, fd, static_cast<k::loff_t>(op.len));
        case OpKind::funshare:
            return -k::sys_fallocate(kern, t, fd, FALLOC_FL_UNSHARE_RANGE, static_cast<k::loff_t>(op.off),
                                     static_cast<k::loff_t>(op.len));
        case OpKind::poison: {
            const auto spa = k::file_offset_to_spa(kern, path_of(op.file), op.off);
            if (!spa || !kern.firmware().inject_error(*spa, kLine)) {
                *mismatch =
                    fmt::format("cannot poison {} offset {}: no block there", path_of(op.file), op.off);
                return ENXIO;
            }
            return 0;
        }
        }
        return ENOSYS;
    }

    // ndctl start-scrub (every poisoned line becomes a known bad block), ndctl clear-errors, then a
    // whole-page pwrite over every page that holds a poisoned block (`before`: the oracle before the op).
    int clear(const Op& op, const Oracle& before) {
        if (const int r = k::ndctl_start_scrub(kern); r < 0) return -r;
        k::memory_failure_work_func(kern);
        if (const int r = k::ndctl_clear_errors(kern, ns_dev); r < 0) return -r;
        const std::vector<std::byte> buf(kPage, std::byte(op.fill));
        for (const auto& [fi, p] : clear_pages(before)) {
            const k::ssize_t r = k::sys_pwrite(kern, t, fds[fi], buf, static_cast<k::loff_t>(p * kPage));
            if (r < 0) return static_cast<int>(-r);
        }
        return 0;
    }

    // Reads page by page: a page without poison must read exactly; a page with poison in the range may
    // fail with EIO or stop short before the first poisoned byte.
    int check_read(const Op& op, const Oracle& o, std::string* mismatch) {
        const OFile& f = o.files[op.file];
        bool saw_eio = false; // allowed, but the repro's pread step then fails: it gets an expect
        for (u64 pos = op.off; pos < op.off + op.len;) {
            const u64 page = pos / kPage;
            const u64 end = std::min(op.off + op.len, (page + 1) * kPage);
            u64 first_bad = end;
            // A page whose poison is known (badblocks) fails as a whole (__pmem_direct_access answers
            // -EHWPOISON for it); unknown poison stops a read at the first poisoned line it touches.
            const bool eio_ok = o.poisoned(f.ids[page]);
            if (const auto it = o.poison.find(f.ids[page]); it != o.poison.end())
                for (const unsigned line : it->second) {
                    const u64 ls = page * kPage + line * kLine;
                    if (ls + kLine > pos && ls < end) first_bad = std::min(first_bad, std::max(ls, pos));
                }
            std::vector<std::byte> buf(end - pos);
            const k::ssize_t r = k::sys_pread(kern, t, fds[op.file], buf, static_cast<k::loff_t>(pos));
            const u64 allowed = first_bad - pos;
            if (r < 0 && (!eio_ok || -r != EIO)) {
                *mismatch = fmt::format("pread {} {} of {}: {} where the oracle has data", pos, end - pos,
                                        path_of(op.file), -r);
                return static_cast<int>(-r);
            }
            saw_eio = saw_eio || r < 0;
            if (r >= 0 && static_cast<u64>(r) > allowed) {
                *mismatch = fmt::format("pread {} {} of {}: {} bytes read past poison at offset {}", pos,
                                        end - pos, path_of(op.file), r, first_bad);
                return 0;
            }
            if (r >= 0 && first_bad == end && static_cast<u64>(r) != end - pos) {
                *mismatch = fmt::format("pread {} {} of {}: short read of {} bytes", pos, end - pos,
                                        path_of(op.file), r);
                return 0;
            }
            for (u64 i = 0; r > 0 && i < static_cast<u64>(r); ++i)
                if (std::to_integer<unsigned>(buf[i]) != f.data[pos + i]) {
                    *mismatch = fmt::format("pread of {}: byte {} is {:#04x}, the oracle says {:#04x}",
                                            path_of(op.file), pos + i, std::to_integer<unsigned>(buf[i]),
                                            f.data[pos + i]);
                    repro_expect = fmt::format("expect data {} {} 1 {:#04x}", path_of(op.file), pos + i,
                                               f.data[pos + i]);
                    return 0;
                }
            pos = end;
        }
        return saw_eio ? EIO : 0;
    }

    // Sizes, and the sharing of every page against fiemap's physical blocks. A sharing mismatch sets
    // repro_expect to the expectation (the oracle's belief) that fails on the kernel, an xfs_check
    // problem to `expect consistent`.
    std::string check_layout(const Oracle& o) {
        struct Seen {
            u64 other = 0; // the phys (for an id) or the id (for a phys) first seen with it
            unsigned file = 0;
            u64 page = 0;
        };
        std::map<u64, Seen> id_to_phys;
        std::map<u64, Seen> phys_to_id;
        auto pair_expect = [&](const char* what, const Seen& first, unsigned fi, u64 p) {
            repro_expect = fmt::format("expect {} {} {} {} {} {}", what, path_of(first.file), path_of(fi),
                                       first.page * kPage, p * kPage, kPage);
        };
        for (unsigned fi = 0; fi < kFiles; ++fi) {
            const OFile& f = o.files[fi];
            const k::loff_t size = k::sys_file_size(kern, t, fds[fi]);
            if (static_cast<u64>(size) != f.data.size())
                return fmt::format("{} is {} bytes, the oracle says {}", path_of(fi), size, f.data.size());
            std::vector<k::fiemap_extent> ext;
            if (const int r = k::sys_ioctl_fiemap(kern, t, fds[fi], &ext); r < 0)
                return fmt::format("fiemap of {} failed: {}", path_of(fi), -r);
            std::vector<u64> phys(f.ids.size(), ~u64{0});
            for (const auto& e : ext)
                for (u64 b = 0; b < e.fe_length / kPage; ++b)
                    if ((e.fe_logical / kPage + b) < phys.size())
                        phys[e.fe_logical / kPage + b] = e.fe_physical / kPage + b;
            for (u64 p = 0; p < f.ids.size(); ++p) {
                const u64 id = f.ids[p];
                if ((id == 0) != (phys[p] == ~u64{0}))
                    return fmt::format("{} page {}: {} but the oracle says {}", path_of(fi), p,
                                       phys[p] == ~u64{0} ? "a hole" : "a block",
                                       id == 0 ? "a hole" : "a block");
                if (id == 0) continue;
                if (const auto [it, fresh] = id_to_phys.emplace(id, Seen{phys[p], fi, p});
                    !fresh && it->second.other != phys[p]) {
                    pair_expect("shared", it->second, fi, p);
                    return fmt::format("{} page {} should share block {} but is at block {}", path_of(fi), p,
                                       it->second.other, phys[p]);
                }
                if (const auto [it, fresh] = phys_to_id.emplace(phys[p], Seen{id, fi, p});
                    !fresh && it->second.other != id) {
                    pair_expect("unshared", it->second, fi, p);
                    return fmt::format("{} page {} shares block {} where the oracle has no sharing",
                                       path_of(fi), p, phys[p]);
                }
            }
        }
        for (const auto& [dir, problems] : k::xfs_check_mounts(kern))
            if (!problems.empty()) {
                repro_expect = "expect consistent " + dir;
                return fmt::format("xfs_check {}: {}", dir, problems.front());
            }
        return {};
    }
};

std::string errno_name(int e) {
    switch (e) {
    case EIO:
        return "EIO";
    case EINVAL:
        return "EINVAL";
    case ENOSPC:
        return "ENOSPC";
    case ENXIO:
        return "ENXIO";
    case EFAULT:
        return "EFAULT";
    case EBUSY:
        return "EBUSY";
    default:
        return fmt::format("{}", e);
    }
}

// The steps an op is in the scenario language; a clear needs the pages it rewrites (`before`).
std::vector<std::string> render_steps(const Op& op, const Oracle& before, const std::string& ns_dev) {
    if (op.kind != OpKind::clear) return {render(op)};
    std::vector<std::string> out{"ndctl start-scrub", "ndctl clear-errors " + ns_dev};
    for (const auto& [fi, p] : clear_pages(before)) {
        Op w = op;
        w.kind = OpKind::pwrite;
        w.file = fi;
        w.off = p * kPage;
        w.len = kPage;
        out.push_back(render(w));
    }
    return out;
}

void write_repro(const std::filesystem::path& dir, const FsxOptions& opt,
                 const std::vector<std::vector<std::string>>& ops, const std::vector<int>& errs,
                 const std::string& mismatch, std::size_t prefix) {
    const std::string how =
        ops.size() == prefix ? fmt::format("the full prefix of {} ops, not shrunk", prefix)
                             : fmt::format("{} ops, shrunk by delta debugging from {}", ops.size(), prefix);
    std::string y = fmt::format("name: fsx-repro\ndescription: >\n  daxsim fsx --seed {} found: {}\n  ({}).\n"
                                "seed: {}\nsteps:\n",
                                opt.seed, mismatch, how, opt.seed);
    auto step = [&](const std::string& s) {
        std::string q;
        for (const char c : s)
            q += c == '\'' ? std::string("''") : std::string(1, c);
        y += "  - '" + q + "'\n";
    };
    step("ndctl create-namespace --mode=fsdax --size=3g");
    step("mkfs.xfs -f -m reflink=1,rmapbt=1 /dev/pmem0");
    step("mount -o dax /dev/pmem0 /mnt/pmem");
    for (unsigned fi = 0; fi < kFiles; ++fi)
        step(fmt::format("xfs_io -f -c \"truncate 0\" {}", path_of(fi)));
    for (std::size_t i = 0; i < ops.size(); ++i) {
        for (const std::string& s : ops[i]) {
            if (s.starts_with("expect ")) { // unquoted: an expectation, as the language writes it
                y += "  - '" + s + "'\n";
                continue;
            }
            step(s);
        }
        if (errs[i] != 0) step("expect errno " + errno_name(errs[i]));
    }
    write_file_atomically(dir / "fsx-repro.yaml", [&](std::ostream& out) { out << y; });
}

// ndctl create-namespace, mkfs.xfs, mount -o dax and the open files, as the repro's first steps.
Exec setup(k::Kernel& kern) {
    if (kern.boot() < 0) throw std::runtime_error("kernel boot failed");
    k::NamespaceSpec spec;
    spec.size = 3ull << 30;
    k::NamespaceInfo ns;
    if (k::ndctl_create_namespace(kern, spec, &ns) < 0 || k::mkfs_xfs(kern, "/dev/" + ns.blockdev, {}) < 0 ||
        k::do_mount(kern, "/dev/" + ns.blockdev, "/mnt/pmem", "dax") < 0)
        throw std::runtime_error("setup failed");
    Exec ex{kern, k::sys_spawn(kern, "fsx"), {}, ns.dev, {}};
    for (unsigned fi = 0; fi < kFiles; ++fi)
        ex.fds[fi] = k::sys_open(kern, ex.t, path_of(fi), O_RDWR | O_CREAT);
    return ex;
}

// Runs one op already applied to the oracle (`before`: the oracle before it); returns the mismatch or
// "", the op's scenario steps in *steps and its errno in *err.
std::string step_op(Exec& ex, const Op& op, const Oracle& before, std::vector<std::string>* steps, int* err) {
    std::string what;
    *steps = render_steps(op, before, ex.ns_dev);
    *err = ex.run(op, before, &what);
    // Action-optional reports (a read that met poison) run in process context, as between steps.
    k::memory_failure_work_func(ex.kern);
    if (what.empty() && *err != 0 && !(op.kind == OpKind::pread && *err == EIO))
        what = fmt::format("{} failed: {}", steps->back(), errno_name(*err));
    return what;
}

// One replay of a candidate op list.
struct Replay {
    bool fails = false; // the candidate is valid and mismatches at its last op, and not before
    std::string what;
    std::vector<std::vector<std::string>> steps;
    std::vector<int> errs;
};

// Replays ops on a fresh kernel over a FunctionalMachine. A candidate whose op no longer fits the
// files or that the oracle rejects (preconditions broken by removals) is rejected as a whole; the
// layout is checked after the last op only.
Replay replay(const MachineConfig& config, std::vector<Op> ops) {
    Replay out;
    try {
        NullTracer tracer;
        platform::FunctionalMachine machine(config.platform);
        k::Kernel kern(config.kernel, machine.nfit(), machine.firmware(), machine.ports(), tracer);
        kern.dmesg().set_echo(false);
        Exec ex = setup(kern);
        Oracle oracle;
        for (std::size_t i = 0; i < ops.size(); ++i) {
            Op& op = ops[i];
            if (op.kind == OpKind::mwrite) op.soff = oracle.files[op.file].data.size(); // maps the file
            const Oracle before = oracle;
            if (!fits(oracle, op) || !apply(oracle, op) || frees_poison(before, oracle)) return Replay{};
            out.steps.emplace_back();
            out.errs.push_back(0);
            ex.repro_expect.clear();
            out.what = step_op(ex, op, before, &out.steps.back(), &out.errs.back());
            const bool last = i + 1 == ops.size();
            if (out.what.empty() && last) out.what = ex.check_layout(oracle);
            if (!out.what.empty()) {
                if (!last) return Replay{};
                out.errs.back() = 0;
                if (!ex.repro_expect.empty()) out.steps.back().push_back(ex.repro_expect);
                out.fails = true;
            }
        }
    } catch (const std::exception&) {
        return Replay{};
    }
    return out;
}

// ddmin (Zeller and Hildebrandt) over every op but the last, then single-op removals until none
// helps: the result is 1-minimal unless the replay budget ran out.
struct Shrunk {
    std::vector<Op> ops;
    Replay result;
    u64 replays = 0;
};

Shrunk shrink(const MachineConfig& config, const std::vector<Op>& all, u64 budget) {
    Shrunk best;
    const Op last = all.back();
    auto with_last = [&](std::vector<Op> v) {
        v.push_back(last);
        return v;
    };
    auto test = [&](const std::vector<Op>& body) {
        if (best.replays >= budget) return false;
        ++best.replays;
        Replay r = replay(config, with_last(body));
        if (!r.fails) return false;
        best.ops = with_last(body);
        best.result = std::move(r);
        return true;
    };
    std::vector<Op> body(all.begin(), all.end() - 1);
    if (!test(body)) return best; // the functional replay does not reproduce: nothing to shrink
    std::size_t n = 2;
    while (body.size() >= 2 && best.replays < budget) {
        const std::size_t chunk = (body.size() + n - 1) / n;
        bool reduced = false;
        for (std::size_t start = 0; start < body.size() && !reduced; start += chunk) {
            const auto b = body.begin() + static_cast<long>(start);
            const auto e = body.begin() + static_cast<long>(std::min(body.size(), start + chunk));
            const std::vector<Op> subset(b, e);
            if (n > 2 && test(subset)) { // a subset alone (the complement test covers n == 2)
                body = subset;
                n = 2;
                reduced = true;
                break;
            }
            std::vector<Op> complement(body.begin(), b);
            complement.insert(complement.end(), e, body.end());
            if (test(complement)) {
                body = std::move(complement);
                n = std::max<std::size_t>(n - 1, 2);
                reduced = true;
            }
        }
        if (reduced) continue;
        if (n >= body.size()) break;
        n = std::min(body.size(), n * 2);
    }
    for (bool again = true; again && best.replays < budget;) { // 1-minimality, also for body.size() < 2
        again = false;
        for (std::size_t i = 0; i < body.size(); ++i) {
            std::vector<Op> without = body;
            without.erase(without.begin() + static_cast<long>(i));
            if (test(without)) {
                body = std::move(without);
                again = true;
                break;
            }
        }
    }
    return best;
}

} // namespace

int fsx_main(const FsxOptions& options) {
    auto config = build_config({}, {});
    if (!config) return 2;
    NullTracer tracer;
    u64 done = 0;
    u64 mismatches = 0;
    std::string what;
    std::vector<Op> gen_ops;                   // the generated ops, for shrinking
    std::vector<std::vector<std::string>> ops; // each op as scenario steps
    std::vector<int> errs;
    {
        platform::Machine machine(config.value().platform, tracer);
        std::vector<platform::MemoryPort*> ports;
        for (unsigned cpu = 0; cpu < machine.cpu_count(); ++cpu)
            ports.push_back(&machine.port(cpu));
        k::Kernel kern(config.value().kernel, machine.nfit(), machine.firmware(), ports, tracer);
        kern.dmesg().set_echo(false);
        machine.run([&] {
            try {
                Exec ex = setup(kern);
                Oracle oracle;
                Generator gen(options.seed);
                bool injected = false;
                while (done < options.ops && mismatches == 0) {
                    const Oracle before = oracle;
                    Op op = gen.next(oracle);
                    const OpKind bug_op = options.inject_bug_kind == FsxOptions::InjectBug::layout
                                              ? OpKind::reflink
                                              : OpKind::pwrite;
                    // A layout bug needs a clone that shares something: a written block in the source.
                    auto shares = [&] {
                        if (op.kind != OpKind::reflink) return true;
                        const OFile& s = before.files[op.src];
                        for (u64 p = op.soff / kPage; p < (op.soff + op.len) / kPage && p < s.ids.size(); ++p)
                            if (s.ids[p] != 0 && !before.unwritten.contains(s.ids[p])) return true;
                        return false;
                    };
                    bool check_now = false;
                    if (options.inject_bug != 0 && !injected && done + 1 >= options.inject_bug &&
                        op.kind == bug_op && shares()) {
                        check_now = op.kind == OpKind::reflink; // found before later writes hide it
                        op.misrecord = injected = true;
                        oracle = before;
                        (void)apply(oracle, op);
                    }
                    gen_ops.push_back(op);
                    ops.emplace_back();
                    errs.push_back(0);
                    what = step_op(ex, op, before, &ops.back(), &errs.back());
                    ++done;
                    if (what.empty() && (done % options.check_every == 0 || done == options.ops || check_now))
                        what = ex.check_layout(oracle);
                    if (!what.empty()) {
                        ++mismatches;
                        // The repro fails at this op: its step fails unexpectedly, or its data differs.
                        errs.back() = 0;
                        if (!ex.repro_expect.empty()) ops.back().push_back(ex.repro_expect);
                    }
                }
            } catch (const std::exception& e) {
                what = std::string("simulation error: ") + e.what();
                ++mismatches;
            }
        });
    }
    std::string repro_note;
    if (mismatches > 0) {
        fmt::print("fsx: op {}: {}\n", done, what);
        if (!ops.empty()) fmt::print("fsx: last op: {}\n", ops.back().back());
        if (options.out_dir) {
            std::filesystem::create_directories(*options.out_dir);
            const auto path = *options.out_dir / "fsx-repro.yaml";
            Shrunk s;
            if (!gen_ops.empty()) s = shrink(config.value(), gen_ops, options.max_replays);
            if (s.result.fails) {
                write_repro(*options.out_dir, options, s.result.steps, s.result.errs, s.result.what,
                            ops.size());
                fmt::print("fsx: delta debugging: {} replays\n", s.replays);
                repro_note = fmt::format("; repro: {} ops in {}", s.ops.size(), path.string());
            } else {
                write_repro(*options.out_dir, options, ops, errs, what, ops.size());
                repro_note = fmt::format("; repro: {} ops (not shrunk) in {}", ops.size(), path.string());
            }
        }
    }
    fmt::print("fsx: {} ops, {} {}{}\n", done, mismatches, mismatches == 1 ? "mismatch" : "mismatches",
               repro_note);
    return mismatches == 0 ? 0 : 1;
}

} // namespace daxsim::scenarios
