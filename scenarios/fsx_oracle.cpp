#include "scenarios/fsx_oracle.h"

#include <fmt/format.h>

namespace daxsim::scenarios::fsx {

std::string path_of(unsigned f) {
    return fmt::format("/mnt/pmem/f{}", f);
}

std::string render(const Op& o) {
    const std::string f = path_of(o.file);
    switch (o.kind) {
    case OpKind::pwrite:
        return fmt::format("xfs_io -c \"pwrite -S {:#04x} {} {}\" {}", o.fill, o.off, o.len, f);
    case OpKind::clear:
        return "ndctl clear-errors"; // expanded by render_steps
    case OpKind::mwrite:
        return fmt::format("xfs_io -c \"mmap -rw 0 {}\" -c \"mwrite -S {:#04x} {} {}\" -c munmap {}", o.soff,
                           o.fill, o.off, o.len, f);
    case OpKind::pread: { // page by page, as fsx reads (a poisoned page fails alone)
        std::string cmds;
        for (u64 pos = o.off; pos < o.off + o.len;) {
            const u64 end = std::min(o.off + o.len, (pos / kPage + 1) * kPage);
            cmds += fmt::format("-c \"pread {} {}\" ", pos, end - pos);
            pos = end;
        }
        return "xfs_io " + cmds + f;
    }
    case OpKind::reflink:
        return fmt::format("xfs_io -c \"reflink {} {} {} {}\" {}", path_of(o.src), o.soff, o.off, o.len, f);
    case OpKind::dedupe:
        return fmt::format("xfs_io -c \"dedupe {} {} {} {}\" {}", path_of(o.src), o.soff, o.off, o.len, f);
    case OpKind::punch:
        return fmt::format("xfs_io -c \"fpunch {} {}\" {}", o.off, o.len, f);
    case OpKind::falloc:
        return fmt::format("xfs_io -c \"falloc {} {}\" {}", o.off, o.len, f);
    case OpKind::truncate:
        return fmt::format("xfs_io -c \"truncate {}\" {}", o.len, f);
    case OpKind::funshare:
        return fmt::format("xfs_io -c \"funshare {} {}\" {}", o.off, o.len, f);
    case OpKind::poison:
        return fmt::format("inject poison --file {} --offset {} --len {}", f, o.off, kLine);
    }
    return "";
}

// Poisoned once means a struct page that memory_failure may have marked: such a block is neither freed
// (its reuse would inherit the mark) nor mapped by mwrite.
bool frees_poison(const Oracle& before, const Oracle& after) {
    for (const u64 id : before.tainted)
        if (before.refs(id) > 0 && after.refs(id) == 0) return true;
    return false;
}

namespace {

bool any_tainted(const Oracle& o, unsigned fi, u64 off, u64 len) {
    const OFile& f = o.files[fi];
    for (u64 p = off / kPage; p < (off + len + kPage - 1) / kPage && p < f.ids.size(); ++p)
        if (o.tainted.contains(f.ids[p])) return true;
    return false;
}

bool any_poisoned(const Oracle& o, unsigned fi, u64 off, u64 len) {
    const OFile& f = o.files[fi];
    for (u64 p = off / kPage; p < (off + len + kPage - 1) / kPage && p < f.ids.size(); ++p)
        if (o.poisoned(f.ids[p])) return true;
    return false;
}

} // namespace

bool fits(const Oracle& o, const Op& op) {
    const u64 size = o.files[op.file].data.size();
    const u64 ssize = o.files[op.src].data.size();
    switch (op.kind) {
    case OpKind::pwrite: // an extending write must end on a page boundary (sizes stay page multiples)
        return op.len > 0 && op.off + op.len <= kMaxPages * kPage &&
               (op.off + op.len <= size || (op.off + op.len) % kPage == 0);
    case OpKind::mwrite:
        return op.len > 0 && op.off + op.len <= size && op.soff == size;
    case OpKind::pread:
        return op.len > 0 && op.off + op.len <= size;
    case OpKind::reflink:
        return op.src != op.file && op.soff + op.len <= ssize && op.off <= size &&
               op.off + op.len <= kMaxPages * kPage;
    case OpKind::dedupe:
        return op.src != op.file && op.soff + op.len <= ssize && op.off + op.len <= size;
    case OpKind::punch:
    case OpKind::funshare:
        return op.off + op.len <= size;
    case OpKind::falloc:
    case OpKind::truncate:
        return true;
    case OpKind::poison:
        return op.off < size;
    case OpKind::clear:
        return !o.poison.empty();
    }
    return false;
}

bool apply(Oracle& o, const Op& op) {
    OFile& f = o.files[op.file];
    const u64 size = f.data.size();
    switch (op.kind) {
    case OpKind::pread:
        return true;
    case OpKind::pwrite:
    case OpKind::mwrite:
        // Writes over a poisoned page would need its old data (RMW or CoW copy): only a clear does that.
        if (any_poisoned(o, op.file, op.off, op.len)) return false;
        if (op.kind == OpKind::mwrite && any_tainted(o, op.file, op.off, op.len)) return false;
        o.write(op.file, op.off, op.len,
                static_cast<unsigned char>(op.misrecord ? op.fill ^ 0xffu : op.fill));
        return true;
    case OpKind::clear:
        // Every page that holds a poisoned block is rewritten whole after the poison was cleared.
        for (unsigned fi = 0; fi < kFiles; ++fi)
            for (u64 p = 0; p < o.files[fi].ids.size(); ++p)
                if (o.poisoned(o.files[fi].ids[p]))
                    o.write(fi, p * kPage, kPage, static_cast<unsigned char>(op.fill));
        o.poison.clear();
        return true;
    case OpKind::reflink:
    case OpKind::dedupe: {
        OFile& s = o.files[op.src];
        if (op.kind == OpKind::dedupe) {
            if (any_poisoned(o, op.src, op.soff, op.len) || any_poisoned(o, op.file, op.off, op.len))
                return false;
            if (!std::equal(s.data.begin() + static_cast<long>(op.soff),
                            s.data.begin() + static_cast<long>(op.soff + op.len),
                            f.data.begin() + static_cast<long>(op.off)))
                return true; // FILE_DEDUPE_RANGE_DIFFERS: nothing changes
        }
        if (op.off + op.len > size) o.resize(f, op.off + op.len);
        std::copy(s.data.begin() + static_cast<long>(op.soff),
                  s.data.begin() + static_cast<long>(op.soff + op.len),
                  f.data.begin() + static_cast<long>(op.off));
        // xfs_reflink_remap_extent maps only written source extents: unwritten ones leave holes (v6.8).
        for (u64 i = 0; i < op.len / kPage; ++i) {
            const u64 id = s.ids[op.soff / kPage + i];
            f.ids[op.off / kPage + i] = o.unwritten.contains(id) ? 0 : id;
            if (op.misrecord && op.kind == OpKind::reflink && id != 0 && !o.unwritten.contains(id))
                f.ids[op.off / kPage + i] = o.next_id++; // the injected layout bug: a copy, not a clone
        }
        return true;
    }
    case OpKind::punch:
        std::fill(f.data.begin() + static_cast<long>(op.off),
                  f.data.begin() + static_cast<long>(op.off + op.len), 0);
        for (u64 p = op.off / kPage; p < (op.off + op.len) / kPage; ++p)
            f.ids[p] = 0;
        return true;
    case OpKind::falloc:
        if (op.off + op.len > size) o.resize(f, op.off + op.len);
        for (u64 p = op.off / kPage; p < (op.off + op.len) / kPage; ++p)
            if (f.ids[p] == 0) {
                f.ids[p] = o.next_id++;
                o.unwritten.insert(f.ids[p]);
            }
        return true;
    case OpKind::truncate:
        o.resize(f, op.len);
        return true;
    case OpKind::funshare:
        if (any_poisoned(o, op.file, op.off, op.len)) return false;
        for (u64 p = op.off / kPage; p < (op.off + op.len) / kPage; ++p) {
            u64& id = f.ids[p];
            if (id == 0 || o.refs(id) < 2) continue;
            if (o.unwritten.contains(id)) return false; // iomap skips unwritten extents: leave it alone
            id = o.next_id++;
        }
        return true;
    case OpKind::poison: {
        const u64 id = f.ids[op.off / kPage];
        if (id == 0 || o.unwritten.contains(id)) return false;
        o.poison[id].insert(static_cast<unsigned>((op.off % kPage) / kLine));
        o.tainted.insert(id);
        return true;
    }
    }
    return false;
}

// (file, page) of every page holding a poisoned block, in order.
std::vector<std::pair<unsigned, u64>> clear_pages(const Oracle& o) {
    std::vector<std::pair<unsigned, u64>> out;
    for (unsigned fi = 0; fi < kFiles; ++fi)
        for (u64 p = 0; p < o.files[fi].ids.size(); ++p)
            if (o.poisoned(o.files[fi].ids[p])) out.emplace_back(fi, p);
    return out;
}

} // namespace daxsim::scenarios::fsx
