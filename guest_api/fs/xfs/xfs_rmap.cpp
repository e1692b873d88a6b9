#include "guest_api/kernel/errno.h"

#include "guest_api/fs/xfs/xfs_rmap.h"

#include <algorithm>
#include <vector>

#include "guest_api/kernel/kernel.h"

namespace daxsim::kernel {
namespace {

xfs_rmap_key key_of(const xfs_rmap_irec& r) { return {r.rm_startblock, r.rm_owner, r.rm_offset, r.rm_flags}; }

// Records of the same owner and flags that continue each other on disk (and in the file, for inodes).
bool contiguous(const xfs_rmap_irec& left, const xfs_rmap_irec& right) {
    if (left.rm_owner != right.rm_owner || left.rm_flags != right.rm_flags) return false;
    if (u64{left.rm_startblock} + left.rm_blockcount != right.rm_startblock) return false;
    if (XFS_RMAP_NON_INODE_OWNER(left.rm_owner)) return true;
    return left.rm_offset + left.rm_blockcount == right.rm_offset;
}

// The first record that may cover block `agbno` or lie after it (see xfs_perag::rmap_maxlen).
std::map<xfs_rmap_key, xfs_rmap_irec>::iterator first_candidate(xfs_perag& pag, xfs_agblock_t agbno) {
    const xfs_agblock_t from = agbno > pag.rmap_maxlen ? agbno - pag.rmap_maxlen : 0;
    return pag.rmap.lower_bound(xfs_rmap_key{from, 0, 0, 0});
}

void insert(xfs_perag& pag, const xfs_rmap_irec& rec) {
    pag.rmap.emplace(key_of(rec), rec);
    pag.rmap_maxlen = std::max(pag.rmap_maxlen, rec.rm_blockcount);
}

void charge_update(xfs_mount& mp, xfs_agnumber_t agno) {
    const xfs_perag& pag = mp.pag(agno);
    xfs_btree_charge(mp.k(), pag.rmap.size(), 1);
    xfs_btree_touch(mp, agno, XFS_RMAP_BLOCK, XFS_RMAP_CRC_MAGIC, pag.rmap.size());
}

} // namespace

void xfs_rmap_map(xfs_mount& mp, xfs_agnumber_t agno, xfs_agblock_t agbno, xfs_extlen_t len, u64 owner,
                  u64 offset, unsigned flags) {
    if (!mp.sb().has_rmapbt || len == 0) return;
    xfs_perag& pag = mp.pag(agno);
    xfs_rmap_irec rec{agbno, len, owner, XFS_RMAP_NON_INODE_OWNER(owner) ? 0 : offset, flags};
    // Left neighbour: a record of this owner ending at agbno.
    for (auto it = first_candidate(pag, agbno); it != pag.rmap.end() && it->second.rm_startblock < agbno; ++it) {
        if (contiguous(it->second, rec)) {
            rec.rm_startblock = it->second.rm_startblock;
            rec.rm_offset = it->second.rm_offset;
            rec.rm_blockcount += it->second.rm_blockcount;
            pag.rmap.erase(it);
            break;
        }
    }
    // Right neighbour: a record of this owner starting at the end.
    const xfs_agblock_t end = rec.rm_startblock + rec.rm_blockcount;
    for (auto it = pag.rmap.lower_bound(xfs_rmap_key{end, 0, 0, 0});
         it != pag.rmap.end() && it->second.rm_startblock == end; ++it) {
        if (contiguous(rec, it->second)) {
            rec.rm_blockcount += it->second.rm_blockcount;
            pag.rmap.erase(it);
            break;
        }
    }
    insert(pag, rec);
    charge_update(mp, agno);
}

void xfs_rmap_unmap(xfs_mount& mp, xfs_agnumber_t agno, xfs_agblock_t agbno, xfs_extlen_t len, u64 owner,
                    u64 offset, unsigned flags) {
    if (!mp.sb().has_rmapbt || len == 0) return;
    xfs_perag& pag = mp.pag(agno);
    const u64 end = u64{agbno} + len;
    for (auto it = first_candidate(pag, agbno); it != pag.rmap.end() && it->second.rm_startblock <= agbno; ++it) {
        const xfs_rmap_irec r = it->second;
        if (r.rm_owner != owner || r.rm_flags != flags) continue;
        if (u64{r.rm_startblock} + r.rm_blockcount < end) continue;
        if (!XFS_RMAP_NON_INODE_OWNER(owner) && r.rm_offset + (agbno - r.rm_startblock) != offset) continue;
        pag.rmap.erase(it);
        if (agbno > r.rm_startblock) {
            xfs_rmap_irec left = r;
            left.rm_blockcount = agbno - r.rm_startblock;
            insert(pag, left);
        }
        const u64 rend = u64{r.rm_startblock} + r.rm_blockcount;
        if (end < rend) {
            xfs_rmap_irec right = r;
            right.rm_startblock = static_cast<xfs_agblock_t>(end);
            right.rm_blockcount = static_cast<xfs_extlen_t>(rend - end);
            if (!XFS_RMAP_NON_INODE_OWNER(owner)) right.rm_offset = r.rm_offset + (end - r.rm_startblock);
            insert(pag, right);
        }
        charge_update(mp, agno);
        return;
    }
}

int xfs_rmap_query_range(xfs_mount& mp, xfs_agnumber_t agno, xfs_agblock_t low, xfs_agblock_t high,
                         const xfs_rmap_query_range_fn& fn) {
    Kernel& k = mp.k();
    xfs_perag& pag = mp.pag(agno);
    // The rmapbt is an overlapping-interval btree: a record that starts before `low` may still cover it
    // (but not one that starts more than rmap_maxlen blocks before). Collect first, so that fn may change
    // the tree.
    std::vector<xfs_rmap_irec> hits;
    for (auto it = first_candidate(pag, low); it != pag.rmap.end(); ++it) {
        const xfs_rmap_irec& r = it->second;
        if (r.rm_startblock > high) break;
        if (u64{r.rm_startblock} + r.rm_blockcount > low) hits.push_back(r);
    }
    xfs_btree_charge(k, pag.rmap.size(), hits.size());
    for (const xfs_rmap_irec& r : hits)
        if (const int err = fn(r); err != 0) return err;
    return 0;
}

} // namespace daxsim::kernel
