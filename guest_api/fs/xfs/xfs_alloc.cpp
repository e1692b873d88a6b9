#include "guest_api/kernel/errno.h"

#include "guest_api/fs/xfs/xfs_alloc.h"

#include <algorithm>

#include "guest_api/fs/xfs/xfs_rmap.h"
#include "guest_api/kernel/kernel.h"

namespace daxsim::kernel {
namespace {

// First block at or after `agbno` whose device block number is a multiple of `align`.
xfs_agblock_t align_up(const xfs_sb& sb, xfs_agnumber_t agno, xfs_agblock_t agbno, xfs_extlen_t align) {
    if (align <= 1) return agbno;
    const u64 dblock = u64{agno} * sb.sb_agblocks + agbno;
    const u64 aligned = (dblock + align - 1) / align * align;
    return static_cast<xfs_agblock_t>(agbno + (aligned - dblock));
}

struct candidate {
    xfs_agblock_t start = 0;
    xfs_extlen_t len = 0;
};

// Picks an extent in one AG: the goal itself when free, else the free extent nearest the goal that holds
// maxlen (after alignment), else the longest one that holds at least minlen (xfs_alloc_ag_vextent_near
// and _size, simplified).
bool pick_in_ag(const xfs_sb& sb, const xfs_perag& pag, xfs_agblock_t goal, const xfs_alloc_arg& args,
                candidate* out) {
    bool found_full = false;
    u64 best_dist = ~u64{0};
    candidate best_partial;
    for (const auto& [start, len] : pag.bno) {
        const u64 end = u64{start} + len;
        xfs_agblock_t s = start;
        if (goal > start && goal < end) s = goal;   // exact or inside: start at the goal
        s = align_up(sb, pag.pag_agno, s, args.alignment);
        if (s >= end) continue;
        const auto avail = static_cast<xfs_extlen_t>(std::min<u64>(end - s, args.maxlen));
        if (avail >= args.maxlen) {
            const u64 dist = s >= goal ? s - goal : goal - s;
            if (!found_full || dist < best_dist) {
                found_full = true;
                best_dist = dist;
                *out = {s, avail};
            }
        } else if (!found_full && avail >= args.minlen && avail > best_partial.len) {
            best_partial = {s, avail};
        }
    }
    if (found_full) return true;
    if (best_partial.len >= args.minlen && best_partial.len > 0) {
        *out = best_partial;
        return true;
    }
    return false;
}

} // namespace

u64 xfs_perag::freeblks() const {
    u64 n = 0;
    for (const auto& [start, len] : bno) n += len;
    return n;
}

void xfs_alloc_mark_used(xfs_perag& pag, xfs_agblock_t agbno, xfs_extlen_t len) {
    auto it = pag.bno.upper_bound(agbno);
    if (it == pag.bno.begin()) return;
    --it;
    const xfs_agblock_t fstart = it->first;
    const u64 fend = u64{fstart} + it->second;
    const u64 end = u64{agbno} + len;
    if (agbno < fstart || end > fend) return;   // not entirely free: nothing to do (mkfs only)
    pag.bno.erase(it);
    if (agbno > fstart) pag.bno[fstart] = agbno - fstart;
    if (end < fend) pag.bno[static_cast<xfs_agblock_t>(end)] = static_cast<xfs_extlen_t>(fend - end);
}

int xfs_alloc_vextent(xfs_mount& mp, xfs_alloc_arg& args) {
    Kernel& k = mp.k();
    const xfs_sb& sb = mp.sb();
    k.cpu_work(k.config().cost.alloc_ns);
    const xfs_agnumber_t start_ag = std::min(XFS_FSB_TO_AGNO(sb, args.goal), sb.sb_agcount - 1);
    // Try the goal's AG first, then the others in order (xfs_alloc_vextent_start_ag); an aligned request
    // that fits nowhere is retried without alignment, as XFS retries without its stripe alignment.
    for (const xfs_extlen_t align : {args.alignment, xfs_extlen_t{1}}) {
        xfs_alloc_arg a = args;
        a.alignment = align;
        for (xfs_agnumber_t i = 0; i < sb.sb_agcount; ++i) {
            const xfs_agnumber_t agno = (start_ag + i) % sb.sb_agcount;
            xfs_perag& pag = mp.pag(agno);
            const xfs_agblock_t goal = agno == start_ag ? XFS_FSB_TO_AGBNO(sb, args.goal) : 0;
            candidate c;
            if (!pick_in_ag(sb, pag, goal, a, &c)) continue;
            xfs_alloc_mark_used(pag, c.start, c.len);
            // bnobt and cntbt both change, and the AGF's free counters.
            xfs_btree_charge(k, pag.bno.size(), 2);
            xfs_btree_charge(k, pag.bno.size(), 2);
            xfs_btree_touch(mp, agno, XFS_BNO_BLOCK, XFS_ABTB_CRC_MAGIC, pag.bno.size());
            xfs_btree_touch(mp, agno, XFS_CNT_BLOCK, XFS_ABTC_CRC_MAGIC, pag.bno.size());
            args.fsbno = XFS_AGB_TO_FSB(sb, agno, c.start);
            args.len = c.len;
            if (args.owner != XFS_RMAP_OWN_NULL)
                xfs_rmap_map(mp, agno, c.start, c.len, args.owner, args.offset, args.rm_flags);
            return 0;
        }
        if (args.alignment <= 1) break;
    }
    return -ENOSPC;
}

void xfs_free_extent(xfs_mount& mp, xfs_fsblock_t bno, xfs_extlen_t len, u64 owner, u64 offset, unsigned rm_flags) {
    Kernel& k = mp.k();
    const xfs_sb& sb = mp.sb();
    const xfs_agnumber_t agno = XFS_FSB_TO_AGNO(sb, bno);
    xfs_agblock_t agbno = XFS_FSB_TO_AGBNO(sb, bno);
    xfs_perag& pag = mp.pag(agno);
    k.cpu_work(k.config().cost.alloc_ns);
    if (owner != XFS_RMAP_OWN_NULL) xfs_rmap_unmap(mp, agno, agbno, len, owner, offset, rm_flags);
    // Merge with the free neighbours on both sides.
    u64 end = u64{agbno} + len;
    auto right = pag.bno.find(static_cast<xfs_agblock_t>(end));
    if (right != pag.bno.end()) {
        end += right->second;
        pag.bno.erase(right);
    }
    auto left = pag.bno.lower_bound(agbno);
    if (left != pag.bno.begin()) {
        --left;
        if (u64{left->first} + left->second == agbno) {
            agbno = left->first;
            pag.bno.erase(left);
        }
    }
    pag.bno[agbno] = static_cast<xfs_extlen_t>(end - agbno);
    xfs_btree_charge(k, pag.bno.size(), 2);
    xfs_btree_charge(k, pag.bno.size(), 2);
    xfs_btree_touch(mp, agno, XFS_BNO_BLOCK, XFS_ABTB_CRC_MAGIC, pag.bno.size());
    xfs_btree_touch(mp, agno, XFS_CNT_BLOCK, XFS_ABTC_CRC_MAGIC, pag.bno.size());
}

} // namespace daxsim::kernel
