#include "guest_api/kernel/errno.h"

#include "guest_api/fs/xfs/xfs_refcount.h"

#include <algorithm>

#include "guest_api/kernel/kernel.h"

namespace daxsim::kernel {
namespace {

using refc_map = std::map<xfs_agblock_t, xfs_refcount_irec>;

// Makes `at` a record boundary: a record spanning it is cut in two.
void split_at(refc_map& m, xfs_agblock_t at) {
    auto it = m.upper_bound(at);
    if (it == m.begin()) return;
    --it;
    xfs_refcount_irec r = it->second;
    if (r.rc_startblock >= at || u64{r.rc_startblock} + r.rc_blockcount <= at) return;
    it->second.rc_blockcount = at - r.rc_startblock;
    m[at] = {at, r.rc_startblock + r.rc_blockcount - at, r.rc_refcount};
}

// Joins neighbouring records with equal counts around [start, end].
void merge_around(refc_map& m, xfs_agblock_t start, xfs_agblock_t end) {
    auto it = m.lower_bound(start);
    if (it != m.begin()) --it;
    while (it != m.end() && it->first <= end) {
        auto next = std::next(it);
        if (next == m.end()) break;
        if (u64{it->first} + it->second.rc_blockcount == next->first &&
            it->second.rc_refcount == next->second.rc_refcount) {
            it->second.rc_blockcount += next->second.rc_blockcount;
            m.erase(next);
        } else {
            it = next;
        }
    }
}

void touch(xfs_mount& mp, xfs_agnumber_t agno) {
    const xfs_perag& pag = mp.pag(agno);
    xfs_btree_charge(mp.k(), pag.refc.size() + pag.refc_cow.size(), 1);
    xfs_btree_touch(mp, agno, XFS_REFC_BLOCK, XFS_REFC_CRC_MAGIC, pag.refc.size() + pag.refc_cow.size());
}

// __xfs_refcount_adjust: adds delta (+1/-1) to every block of [agbno, agbno+len).
void adjust(xfs_mount& mp, xfs_agnumber_t agno, xfs_agblock_t agbno, xfs_extlen_t len, int delta,
            xfs_extent_list* to_free) {
    refc_map& m = mp.pag(agno).refc;
    const xfs_agblock_t end = agbno + len;
    split_at(m, agbno);
    split_at(m, end);
    xfs_agblock_t cur = agbno;
    while (cur < end) {
        auto it = m.lower_bound(cur);
        if (it != m.end() && it->first == cur) {
            const xfs_refcount_irec r = it->second;
            m.erase(it);
            const u32 rc = static_cast<u32>(static_cast<int>(r.rc_refcount) + delta);
            if (rc >= 2) m[cur] = {cur, r.rc_blockcount, rc};
            cur += r.rc_blockcount;
            continue;
        }
        // A gap: blocks used once.
        const xfs_agblock_t gap_end = it != m.end() ? std::min(end, it->first) : end;
        if (delta > 0) {
            m[cur] = {cur, gap_end - cur, 2};
        } else if (to_free) {
            to_free->emplace_back(XFS_AGB_TO_FSB(mp.sb(), agno, cur), gap_end - cur);
        }
        cur = gap_end;
    }
    merge_around(m, agbno, end);
    touch(mp, agno);
}

} // namespace

void xfs_refcount_increase_extent(xfs_mount& mp, xfs_fsblock_t fsbno, xfs_extlen_t len) {
    adjust(mp, XFS_FSB_TO_AGNO(mp.sb(), fsbno), XFS_FSB_TO_AGBNO(mp.sb(), fsbno), len, +1, nullptr);
}

void xfs_refcount_decrease_extent(xfs_mount& mp, xfs_fsblock_t fsbno, xfs_extlen_t len, xfs_extent_list* to_free) {
    adjust(mp, XFS_FSB_TO_AGNO(mp.sb(), fsbno), XFS_FSB_TO_AGBNO(mp.sb(), fsbno), len, -1, to_free);
}

bool xfs_refcount_find_shared(xfs_mount& mp, xfs_agnumber_t agno, xfs_agblock_t agbno, xfs_extlen_t len,
                              xfs_agblock_t* fbno, xfs_extlen_t* flen, bool find_end_of_shared) {
    const refc_map& m = mp.pag(agno).refc;
    xfs_btree_charge(mp.k(), m.size(), 1);
    const u64 end = u64{agbno} + len;
    auto it = m.upper_bound(agbno);
    if (it != m.begin()) {
        auto prev = std::prev(it);
        if (u64{prev->first} + prev->second.rc_blockcount > agbno) it = prev;
    }
    if (it == m.end() || it->first >= end) return false;
    const xfs_agblock_t start = std::max(agbno, it->first);
    u64 stop = std::min<u64>(end, u64{it->first} + it->second.rc_blockcount);
    if (find_end_of_shared) {
        for (auto next = std::next(it); next != m.end() && next->first == stop && stop < end; ++next)
            stop = std::min<u64>(end, u64{next->first} + next->second.rc_blockcount);
    }
    *fbno = start;
    *flen = static_cast<xfs_extlen_t>(stop - start);
    return true;
}

u32 xfs_refcount_of(xfs_mount& mp, xfs_fsblock_t fsbno) {
    xfs_agblock_t fbno = 0;
    xfs_extlen_t flen = 0;
    const xfs_agnumber_t agno = XFS_FSB_TO_AGNO(mp.sb(), fsbno);
    const xfs_agblock_t agbno = XFS_FSB_TO_AGBNO(mp.sb(), fsbno);
    if (!xfs_refcount_find_shared(mp, agno, agbno, 1, &fbno, &flen, false)) return 1;
    auto it = mp.pag(agno).refc.upper_bound(agbno);
    return std::prev(it)->second.rc_refcount;
}

void xfs_refcount_alloc_cow_extent(xfs_mount& mp, xfs_fsblock_t fsbno, xfs_extlen_t len) {
    if (!mp.sb().has_reflink) return;
    const xfs_agnumber_t agno = XFS_FSB_TO_AGNO(mp.sb(), fsbno);
    const xfs_agblock_t agbno = XFS_FSB_TO_AGBNO(mp.sb(), fsbno);
    mp.pag(agno).refc_cow[agbno] = {agbno, len, 1};
    touch(mp, agno);
}

void xfs_refcount_free_cow_extent(xfs_mount& mp, xfs_fsblock_t fsbno, xfs_extlen_t len) {
    if (!mp.sb().has_reflink) return;
    const xfs_agnumber_t agno = XFS_FSB_TO_AGNO(mp.sb(), fsbno);
    const xfs_agblock_t agbno = XFS_FSB_TO_AGBNO(mp.sb(), fsbno);
    refc_map& m = mp.pag(agno).refc_cow;
    split_at(m, agbno);
    split_at(m, agbno + len);
    for (auto it = m.lower_bound(agbno); it != m.end() && it->first < agbno + len;) it = m.erase(it);
    touch(mp, agno);
}

} // namespace daxsim::kernel
