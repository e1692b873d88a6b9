// xfs_repair -n, the cross-checks of phase 4 (reverse mappings and reference counts rebuilt from the
// inode forks and compared with the btrees) and phase 5 (free space against used space). Both sides are
// brought to a canonical form first (contiguous pieces of one owner merged, as the btree code merges
// them), so that a record split in two where the kernel would have merged it is not a problem.
#include "guest_api/kernel/errno.h"

#include "guest_api/fs/xfs/xfs_check.h"

#include <algorithm>
#include <cstdint>
#include <tuple>

#include <fmt/format.h>

#include "guest_api/fs/vfs.h"
#include "guest_api/fs/xfs/xfs_super.h"
#include "guest_api/kernel/kernel.h"

namespace daxsim::kernel {
namespace {

// One reverse mapping in canonical form (rm_offset is 0 for non-inode owners).
struct rmap_ext {
    xfs_agblock_t start = 0;
    u64 len = 0;
    u64 owner = 0;
    u64 offset = 0;
    unsigned flags = 0;
    auto operator<=>(const rmap_ext&) const = default;
};

struct range {
    u64 start = 0;
    u64 len = 0;
    u32 count = 0; // refcount, where it matters
    auto operator<=>(const range&) const = default;
};

// Owners print as xfs_repair prints them: special owners as negative numbers.
std::string owner_text(u64 owner) {
    if (XFS_RMAP_NON_INODE_OWNER(owner)) return fmt::format("{}", static_cast<std::int64_t>(owner));
    return fmt::format("{}", owner);
}

std::string rmap_text(xfs_agnumber_t agno, const rmap_ext& r) {
    return fmt::format("({}/{}) {}len {} owner {} {}off {}", agno, r.start,
                       (r.flags & XFS_RMAP_UNWRITTEN) ? "unwritten " : "", r.len, owner_text(r.owner),
                       (r.flags & XFS_RMAP_ATTR_FORK) ? "attr " : "", r.offset);
}

// Merges records of one owner that continue each other (on disk, and in the file for inodes).
std::vector<rmap_ext> canonical(std::vector<rmap_ext> v) {
    std::sort(v.begin(), v.end(), [](const rmap_ext& a, const rmap_ext& b) {
        return std::tie(a.owner, a.flags, a.start, a.offset) < std::tie(b.owner, b.flags, b.start, b.offset);
    });
    std::vector<rmap_ext> out;
    for (const rmap_ext& r : v) {
        if (!out.empty()) {
            rmap_ext& l = out.back();
            const bool same = l.owner == r.owner && l.flags == r.flags && l.start + l.len == r.start &&
                              (XFS_RMAP_NON_INODE_OWNER(r.owner) || l.offset + l.len == r.offset);
            if (same) {
                l.len += r.len;
                continue;
            }
        }
        out.push_back(r);
    }
    std::sort(out.begin(), out.end());
    return out;
}

// Sorted, merged union of [start, start+len) ranges (counts ignored).
std::vector<range> union_of(std::vector<range> v) {
    std::sort(v.begin(), v.end());
    std::vector<range> out;
    for (const range& r : v) {
        if (r.len == 0) continue;
        if (!out.empty() && out.back().start + out.back().len >= r.start) {
            out.back().len = std::max(out.back().start + out.back().len, r.start + r.len) - out.back().start;
            continue;
        }
        out.push_back({r.start, r.len, 0});
    }
    return out;
}

// Adjacent ranges with equal counts joined (both refcount domains are compared this way).
std::vector<range> join_equal(std::vector<range> v) {
    std::sort(v.begin(), v.end());
    std::vector<range> out;
    for (const range& r : v) {
        if (!out.empty() && out.back().start + out.back().len == r.start && out.back().count == r.count) {
            out.back().len += r.len;
            continue;
        }
        out.push_back(r);
    }
    return out;
}

// What the forks and the mkfs layout say one AG must hold.
struct ag_expect {
    std::vector<rmap_ext> rmaps;
    std::vector<range> data; // data fork pieces (for the reference counts)
    std::vector<range> cow;  // CoW fork pieces
};

void add_static(const xfs_disk& d, xfs_agnumber_t agno, ag_expect& e) {
    const xfs_sb& sb = d.sb;
    auto add = [&](xfs_agblock_t start, u64 len, u64 owner) { e.rmaps.push_back({start, len, owner, 0, 0}); };
    add(XFS_SB_BLOCK, 1, XFS_RMAP_OWN_FS);
    add(XFS_BNO_BLOCK, 2, XFS_RMAP_OWN_AG);
    add(XFS_IBT_BLOCK, 2, XFS_RMAP_OWN_INOBT);
    if (sb.has_rmapbt) add(XFS_RMAP_BLOCK, 1, XFS_RMAP_OWN_AG);
    if (sb.has_reflink) add(XFS_REFC_BLOCK, 1, XFS_RMAP_OWN_REFC);
    add(XFS_AGFL_RESERVE_START, XFS_AGFL_RESERVE_BLOCKS, XFS_RMAP_OWN_AG);
    if (sb.sb_logstart != 0 && XFS_FSB_TO_AGNO(sb, sb.sb_logstart) == agno) // 0: external log
        add(XFS_FSB_TO_AGBNO(sb, sb.sb_logstart), sb.sb_logblocks, XFS_RMAP_OWN_LOG);
}

// Inode chunks: every block holding an inode slot, allocated or free (the root chunk's first three
// inodes, root directory and realtime inodes, are neither in `inodes` nor free).
void add_inode_chunks(const xfs_disk& d, std::vector<ag_expect>& ags) {
    const xfs_sb& sb = d.sb;
    std::vector<std::vector<range>> blocks(ags.size());
    auto note = [&](xfs_ino_t ino) {
        const xfs_fsblock_t fsb = XFS_INO_TO_FSB(sb, ino);
        const xfs_agnumber_t agno = XFS_FSB_TO_AGNO(sb, fsb);
        if (agno < ags.size()) blocks[agno].push_back({XFS_FSB_TO_AGBNO(sb, fsb), 1, 0});
    };
    for (unsigned i = 0; i < 3; ++i)
        note(sb.sb_rootino + i);
    for (const auto& [ino, ip] : d.inodes)
        note(ino);
    for (const xfs_ino_t ino : d.free_inodes)
        note(ino);
    for (std::size_t agno = 0; agno < ags.size(); ++agno)
        for (const range& r : union_of(blocks[agno]))
            ags[agno].rmaps.push_back(
                {static_cast<xfs_agblock_t>(r.start), r.len, XFS_RMAP_OWN_INODES, 0, 0});
}

// Fork extents cut at AG boundaries, as (agno, agbno, len, file offset).
template <typename Fn> void for_each_piece(const xfs_sb& sb, const xfs_bmbt_irec& irec, Fn&& fn) {
    xfs_fsblock_t fsb = irec.br_startblock;
    u64 left = irec.br_blockcount;
    xfs_fileoff_t off = irec.br_startoff;
    while (left > 0) {
        const xfs_agnumber_t agno = XFS_FSB_TO_AGNO(sb, fsb);
        const xfs_agblock_t agbno = XFS_FSB_TO_AGBNO(sb, fsb);
        const u64 n = std::min<u64>(left, u64{sb.sb_agblocks} - std::min<u64>(agbno, sb.sb_agblocks));
        if (n == 0) { // an extent past the AG's end: keep it whole so that it gets reported
            fn(agno, agbno, left, off);
            return;
        }
        fn(agno, agbno, n, off);
        left -= n;
        off += n;
        fsb = XFS_AGB_TO_FSB(sb, agno + 1, 0);
    }
}

void check_forks(const xfs_disk& d, std::vector<ag_expect>& ags, std::vector<std::string>& problems) {
    const xfs_sb& sb = d.sb;
    for (const auto& [ino, ip] : d.inodes) {
        xfs_fileoff_t prev_end = 0;
        for (const auto& [off, irec] : ip->i_df) {
            if (irec.is_hole() || irec.br_blockcount == 0) continue;
            if (irec.br_startoff < prev_end)
                problems.push_back(
                    fmt::format("inode {} data fork extent at offset {} overlaps the previous one", ino,
                                irec.br_startoff));
            prev_end = irec.end();
            for_each_piece(sb, irec, [&](xfs_agnumber_t agno, xfs_agblock_t agbno, u64 len, xfs_fileoff_t o) {
                if (agno >= ags.size() || agbno + len > d.ags[agno].pag_blocks) {
                    problems.push_back(
                        fmt::format("inode {} has a bad extent ({}/{}) len {} past the end of its AG", ino,
                                    agno, agbno, len));
                    return;
                }
                ags[agno].rmaps.push_back({agbno, len, ino, o, irec.br_unwritten ? XFS_RMAP_UNWRITTEN : 0u});
                ags[agno].data.push_back({agbno, len, 0});
            });
        }
        // Attribute fork blocks (leaf and remote value blocks): the inode owns them with the attr flag.
        xfs_fileoff_t prev_aend = 0;
        for (const auto& [off, irec] : ip->i_af) {
            if (irec.is_hole() || irec.br_blockcount == 0) continue;
            if (irec.br_startoff < prev_aend)
                problems.push_back(
                    fmt::format("inode {} attr fork extent at offset {} overlaps the previous one", ino,
                                irec.br_startoff));
            prev_aend = irec.end();
            for_each_piece(sb, irec, [&](xfs_agnumber_t agno, xfs_agblock_t agbno, u64 len, xfs_fileoff_t o) {
                if (agno >= ags.size() || agbno + len > d.ags[agno].pag_blocks) {
                    problems.push_back(fmt::format(
                        "inode {} has a bad attr fork extent ({}/{}) len {} past the end of its AG", ino,
                        agno, agbno, len));
                    return;
                }
                ags[agno].rmaps.push_back({agbno, len, ino, o, XFS_RMAP_ATTR_FORK});
            });
        }
        if ((ip->i_aformat == xfs_attr_format::leaf) != !ip->i_af.empty())
            problems.push_back(fmt::format("inode {} attr fork format disagrees with its {} blocks", ino,
                                           ip->i_af.empty() ? "missing" : "extra"));
        for (const xfs_fsblock_t bno : ip->i_bmbt_blocks) {
            const xfs_agnumber_t agno = XFS_FSB_TO_AGNO(sb, bno);
            if (agno < ags.size())
                ags[agno].rmaps.push_back({XFS_FSB_TO_AGBNO(sb, bno), 1, ino, 0, XFS_RMAP_BMBT_BLOCK});
        }
        for (const auto& [off, irec] : ip->i_cowfp) {
            if (irec.is_hole() || irec.br_blockcount == 0) continue;
            for_each_piece(sb, irec, [&](xfs_agnumber_t agno, xfs_agblock_t agbno, u64 len, xfs_fileoff_t) {
                if (agno >= ags.size() || agbno + len > d.ags[agno].pag_blocks) {
                    problems.push_back(
                        fmt::format("inode {} has a bad CoW extent ({}/{}) len {} past the end of its AG",
                                    ino, agno, agbno, len));
                    return;
                }
                ags[agno].rmaps.push_back({agbno, len, XFS_RMAP_OWN_COW, 0, 0});
                ags[agno].cow.push_back({agbno, len, 1});
            });
        }
    }
}

void check_rmaps(const xfs_disk& d, xfs_agnumber_t agno, const ag_expect& e,
                 std::vector<std::string>& problems) {
    std::vector<rmap_ext> seen;
    for (const auto& [key, r] : d.ags[agno].rmap)
        seen.push_back({r.rm_startblock, r.rm_blockcount, r.rm_owner, r.rm_offset, r.rm_flags});
    const std::vector<rmap_ext> have = canonical(std::move(seen));
    const std::vector<rmap_ext> want = canonical(e.rmaps);
    std::vector<rmap_ext> missing, extra;
    std::set_difference(want.begin(), want.end(), have.begin(), have.end(), std::back_inserter(missing));
    std::set_difference(have.begin(), have.end(), want.begin(), want.end(), std::back_inserter(extra));
    for (const rmap_ext& r : missing)
        problems.push_back("Missing reverse-mapping record for " + rmap_text(agno, r));
    for (const rmap_ext& r : extra) {
        if (!XFS_RMAP_NON_INODE_OWNER(r.owner) && !d.inodes.contains(r.owner))
            problems.push_back(
                fmt::format("Unknown owner in reverse-mapping record {}: inode {} is not in use",
                            rmap_text(agno, r), r.owner));
        else
            problems.push_back("Incorrect reverse-mapping: saw " + rmap_text(agno, r) + "; no fork maps it");
    }
}

// Reference counts: a sweep over the data fork pieces gives, for every block, how many mappings use it.
void check_refcounts(const xfs_disk& d, xfs_agnumber_t agno, const ag_expect& e,
                     std::vector<std::string>& problems) {
    std::map<u64, int> delta;
    for (const range& r : e.data) {
        delta[r.start] += 1;
        delta[r.start + r.len] -= 1;
    }
    std::vector<range> want;
    int count = 0;
    u64 at = 0;
    for (const auto& [pos, dlt] : delta) {
        if (count >= 2 && pos > at) want.push_back({at, pos - at, static_cast<u32>(count)});
        count += dlt;
        at = pos;
    }
    want = join_equal(std::move(want));
    std::vector<range> have;
    for (const auto& [start, r] : d.ags[agno].refc)
        have.push_back({r.rc_startblock, r.rc_blockcount, r.rc_refcount});
    have = join_equal(std::move(have));
    std::vector<range> missing, extra;
    std::set_difference(want.begin(), want.end(), have.begin(), have.end(), std::back_inserter(missing));
    std::set_difference(have.begin(), have.end(), want.begin(), want.end(), std::back_inserter(extra));
    for (const range& r : missing)
        problems.push_back(fmt::format("Missing reference count record for ({}/{}) len {} count {}", agno,
                                       r.start, r.len, r.count));
    for (const range& r : extra)
        problems.push_back(
            fmt::format("Incorrect reference count: saw ({}/{}) len {} nlinks {}; the forks share it "
                        "differently",
                        agno, r.start, r.len, r.count));

    std::vector<range> cow_want;
    for (const range& r : union_of(e.cow))
        cow_want.push_back({r.start, r.len, 1});
    std::vector<range> cow_have;
    for (const auto& [start, r] : d.ags[agno].refc_cow)
        cow_have.push_back({r.rc_startblock, r.rc_blockcount, 1});
    cow_have = join_equal(std::move(cow_have));
    std::vector<range> cow_missing, cow_extra;
    std::set_difference(cow_want.begin(), cow_want.end(), cow_have.begin(), cow_have.end(),
                        std::back_inserter(cow_missing));
    std::set_difference(cow_have.begin(), cow_have.end(), cow_want.begin(), cow_want.end(),
                        std::back_inserter(cow_extra));
    for (const range& r : cow_missing)
        problems.push_back(
            fmt::format("Missing CoW staging extent record for ({}/{}) len {}", agno, r.start, r.len));
    for (const range& r : cow_extra)
        problems.push_back(fmt::format(
            "Incorrect CoW staging extent record ({}/{}) len {}: no CoW fork maps it", agno, r.start, r.len));
}

// Phase 5: the free space btree against the blocks in use; together they are the whole AG.
void check_space(const xfs_disk& d, xfs_agnumber_t agno, const ag_expect& e,
                 std::vector<std::string>& problems) {
    const xfs_perag& pag = d.ags[agno];
    std::vector<range> free_list;
    u64 prev_end = 0;
    u64 free_blocks = 0;
    for (const auto& [start, len] : pag.bno) {
        if (start < prev_end)
            problems.push_back(fmt::format("free space ({}/{}) len {} overlaps the free extent before it",
                                           agno, start, len));
        if (u64{start} + len > pag.pag_blocks)
            problems.push_back(
                fmt::format("free space ({}/{}) len {} runs past the end of the AG ({} blocks)", agno, start,
                            len, pag.pag_blocks));
        prev_end = std::max<u64>(prev_end, u64{start} + len);
        free_list.push_back({start, len, 0});
        free_blocks += len;
    }
    const std::vector<range> free_u = union_of(free_list);
    std::vector<range> used_list;
    if (d.sb.has_rmapbt) {
        for (const auto& [key, r] : pag.rmap)
            used_list.push_back({r.rm_startblock, r.rm_blockcount, 0});
    } else {
        for (const rmap_ext& r : e.rmaps)
            used_list.push_back({r.start, r.len, 0});
    }
    const std::vector<range> used_u = union_of(used_list);
    u64 used_blocks = 0;
    for (const range& r : used_u)
        used_blocks += r.len;
    // Both lists are sorted and merged: a two-pointer walk finds their intersections.
    for (std::size_t i = 0, j = 0; i < free_u.size() && j < used_u.size();) {
        const u64 lo = std::max(free_u[i].start, used_u[j].start);
        const u64 hi = std::min(free_u[i].start + free_u[i].len, used_u[j].start + used_u[j].len);
        if (lo < hi)
            problems.push_back(
                fmt::format("block ({}/{}) len {} is both free and in use (multiply claimed by the "
                            "bno space tree)",
                            agno, lo, hi - lo));
        if (free_u[i].start + free_u[i].len < used_u[j].start + used_u[j].len)
            ++i;
        else
            ++j;
    }
    // Blocks neither free nor in use: leaked space.
    std::vector<range> all = free_u;
    all.insert(all.end(), used_u.begin(), used_u.end());
    u64 cursor = 0;
    for (const range& r : union_of(all)) {
        if (r.start > cursor && cursor < pag.pag_blocks)
            problems.push_back(fmt::format("block ({}/{}) len {} is neither free nor in use (lost space)",
                                           agno, cursor, std::min<u64>(r.start, pag.pag_blocks) - cursor));
        cursor = std::max(cursor, r.start + r.len);
    }
    if (cursor < pag.pag_blocks)
        problems.push_back(fmt::format("block ({}/{}) len {} is neither free nor in use (lost space)", agno,
                                       cursor, pag.pag_blocks - cursor));
    if (free_blocks + used_blocks != pag.pag_blocks)
        problems.push_back(fmt::format("AG {}: {} free + {} used blocks, but the AG has {} blocks", agno,
                                       free_blocks, used_blocks, pag.pag_blocks));
}

} // namespace

std::vector<std::string> xfs_check_disk(const xfs_disk& d) {
    std::vector<std::string> problems;
    std::vector<ag_expect> ags(d.ags.size());
    for (xfs_agnumber_t agno = 0; agno < d.ags.size(); ++agno)
        add_static(d, agno, ags[agno]);
    add_inode_chunks(d, ags);
    check_forks(d, ags, problems);
    for (xfs_agnumber_t agno = 0; agno < d.ags.size(); ++agno) {
        if (d.sb.has_rmapbt) check_rmaps(d, agno, ags[agno], problems);
        if (d.sb.has_reflink) check_refcounts(d, agno, ags[agno], problems);
        check_space(d, agno, ags[agno], problems);
    }
    return problems;
}

std::map<std::string, std::vector<std::string>> xfs_check_mounts(Kernel& k) {
    std::map<std::string, std::vector<std::string>> out;
    for (const auto& [dir, sb] : k.vfs().mounts()) {
        if (sb->s_op != &xfs_super_operations) continue;
        const auto& mp = static_cast<const xfs_mount&>(*sb);
        if (mp.m_disk) out[dir] = xfs_check_disk(*mp.m_disk);
    }
    return out;
}

} // namespace daxsim::kernel
