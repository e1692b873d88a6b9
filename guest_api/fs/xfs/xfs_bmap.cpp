#include "guest_api/kernel/errno.h"

#include "guest_api/fs/xfs/xfs_bmap.h"

#include <algorithm>

#include "guest_api/fs/xfs/xfs_alloc.h"
#include "guest_api/fs/xfs/xfs_inode.h"
#include "guest_api/fs/xfs/xfs_refcount.h"
#include "guest_api/fs/xfs/xfs_rmap.h"
#include "guest_api/kernel/kernel.h"

namespace daxsim::kernel {
namespace {

bool mergeable(const xfs_bmbt_irec& l, const xfs_bmbt_irec& r) {
    return l.end() == r.br_startoff && l.br_startblock + l.br_blockcount == r.br_startblock &&
           l.br_unwritten == r.br_unwritten;
}

// A file extent never crosses an AG: split a mapping at AG boundaries.
std::vector<xfs_bmbt_irec> split_by_ag(const xfs_sb& sb, const xfs_bmbt_irec& irec) {
    std::vector<xfs_bmbt_irec> out;
    xfs_bmbt_irec cur = irec;
    while (cur.br_blockcount > 0) {
        const u64 room = sb.sb_agblocks - XFS_FSB_TO_AGBNO(sb, cur.br_startblock);
        xfs_bmbt_irec piece = cur;
        piece.br_blockcount = std::min<u64>(cur.br_blockcount, room);
        out.push_back(piece);
        cur.br_startoff += piece.br_blockcount;
        cur.br_startblock = piece.br_startblock + piece.br_blockcount;
        cur.br_blockcount -= piece.br_blockcount;
    }
    return out;
}

void rmap_for(xfs_mount& mp, const xfs_inode& ip, const xfs_bmbt_irec& irec, bool map) {
    const xfs_sb& sb = mp.sb();
    const xfs_agnumber_t agno = XFS_FSB_TO_AGNO(sb, irec.br_startblock);
    const xfs_agblock_t agbno = XFS_FSB_TO_AGBNO(sb, irec.br_startblock);
    const unsigned flags = irec.br_unwritten ? XFS_RMAP_UNWRITTEN : 0;
    const auto len = static_cast<xfs_extlen_t>(irec.br_blockcount);
    if (map)
        xfs_rmap_map(mp, agno, agbno, len, ip.i_ino, irec.br_startoff, flags);
    else
        xfs_rmap_unmap(mp, agno, agbno, len, ip.i_ino, irec.br_startoff, flags);
}

// A v5 inode is 512 bytes: after the 176-byte core, 336 bytes of literal area hold 21 16-byte extent
// records (XFS_IFORK_MAXEXT); beyond that the fork becomes a btree whose leaves hold
// (4096 - 72-byte long-format block header) / 16 = 251 records (xfs_bmbt_maxrecs).
constexpr std::size_t XFS_IFORK_MAXEXT = (512 - 176) / 16;
constexpr std::size_t XFS_BMBT_LEAF_RECS = (4096 - 72) / 16;

// xfs_bmap_extents_to_btree / xfs_bmap_btree_to_extents, reduced to their block accounting: the fork
// keeps exactly as many bmbt leaf blocks as its extent count needs, each allocated near the inode and
// recorded in the rmapbt, so a media error in one is a metadata error (xfs_dax_failure_fn shuts down).
void xfs_bmap_sync_btree_blocks(xfs_mount& mp, xfs_inode& ip) {
    const std::size_t n = ip.i_df.size();
    const std::size_t want = n > XFS_IFORK_MAXEXT ? (n + XFS_BMBT_LEAF_RECS - 1) / XFS_BMBT_LEAF_RECS : 0;
    while (ip.i_bmbt_blocks.size() > want) {
        const xfs_fsblock_t bno = ip.i_bmbt_blocks.back();
        ip.i_bmbt_blocks.pop_back();
        xfs_free_extent(mp, bno, 1, ip.i_ino, 0, XFS_RMAP_BMBT_BLOCK);
    }
    while (ip.i_bmbt_blocks.size() < want) {
        xfs_alloc_arg args;
        args.goal = XFS_INO_TO_FSB(mp.sb(), ip.i_ino);
        args.minlen = args.maxlen = 1;
        if (xfs_alloc_vextent(mp, args) != 0) return;   // no space: the fork stays as it is (ENOSPC later)
        const xfs_sb& sb = mp.sb();
        xfs_rmap_map(mp, XFS_FSB_TO_AGNO(sb, args.fsbno), XFS_FSB_TO_AGBNO(sb, args.fsbno), 1, ip.i_ino, 0,
                     XFS_RMAP_BMBT_BLOCK);
        ip.i_bmbt_blocks.push_back(args.fsbno);
    }
}

} // namespace

std::vector<xfs_bmbt_irec> xfs_bmapi_read(const xfs_ifork& fork, xfs_fileoff_t off, u64 len) {
    std::vector<xfs_bmbt_irec> out;
    const xfs_fileoff_t end = off + len;
    xfs_fileoff_t cur = off;
    auto it = fork.upper_bound(off);
    if (it != fork.begin() && std::prev(it)->second.end() > off) --it;
    for (; cur < end; ++it) {
        if (it == fork.end() || it->first >= end) {
            out.push_back({cur, NULLFSBLOCK, end - cur, false});
            break;
        }
        const xfs_bmbt_irec& e = it->second;
        if (e.br_startoff > cur) {
            out.push_back({cur, NULLFSBLOCK, e.br_startoff - cur, false});
            cur = e.br_startoff;
        }
        const xfs_fileoff_t stop = std::min(end, e.end());
        out.push_back({cur, e.br_startblock + (cur - e.br_startoff), stop - cur, e.br_unwritten});
        cur = stop;
    }
    return out;
}

void xfs_iext_insert(xfs_ifork& fork, const xfs_bmbt_irec& irec) {
    xfs_bmbt_irec rec = irec;
    auto right = fork.find(rec.end());
    if (right != fork.end() && mergeable(rec, right->second)) {
        rec.br_blockcount += right->second.br_blockcount;
        fork.erase(right);
    }
    auto left = fork.lower_bound(rec.br_startoff);
    if (left != fork.begin() && mergeable(std::prev(left)->second, rec)) {
        --left;
        left->second.br_blockcount += rec.br_blockcount;
        return;
    }
    fork[rec.br_startoff] = rec;
}

std::vector<xfs_bmbt_irec> xfs_iext_remove_range(xfs_ifork& fork, xfs_fileoff_t off, u64 len) {
    std::vector<xfs_bmbt_irec> removed;
    const xfs_fileoff_t end = off + len;
    auto it = fork.upper_bound(off);
    if (it != fork.begin() && std::prev(it)->second.end() > off) --it;
    while (it != fork.end() && it->first < end) {
        const xfs_bmbt_irec e = it->second;
        it = fork.erase(it);
        const xfs_fileoff_t cut_start = std::max(off, e.br_startoff);
        const xfs_fileoff_t cut_end = std::min(end, e.end());
        if (e.br_startoff < cut_start)
            fork[e.br_startoff] = {e.br_startoff, e.br_startblock, cut_start - e.br_startoff, e.br_unwritten};
        if (cut_end < e.end())
            fork[cut_end] = {cut_end, e.br_startblock + (cut_end - e.br_startoff), e.end() - cut_end, e.br_unwritten};
        removed.push_back({cut_start, e.br_startblock + (cut_start - e.br_startoff), cut_end - cut_start, e.br_unwritten});
        it = fork.upper_bound(cut_end - 1);
    }
    return removed;
}

void xfs_bmap_map_extent(xfs_mount& mp, xfs_inode& ip, const xfs_bmbt_irec& irec) {
    for (const xfs_bmbt_irec& piece : split_by_ag(mp.sb(), irec)) {
        xfs_iext_insert(ip.i_df, piece);
        rmap_for(mp, ip, piece, true);
    }
    xfs_btree_charge(mp.k(), ip.i_df.size(), 1);
    xfs_bmap_sync_btree_blocks(mp, ip);
    xfs_trans_log_inode(mp, ip);
}

void xfs_bunmapi(xfs_mount& mp, xfs_inode& ip, xfs_fileoff_t off, u64 len) {
    const std::vector<xfs_bmbt_irec> removed = xfs_iext_remove_range(ip.i_df, off, len);
    if (removed.empty()) return;
    xfs_btree_charge(mp.k(), ip.i_df.size(), removed.size());
    for (const xfs_bmbt_irec& e : removed) {
        rmap_for(mp, ip, e, false);
        const auto blen = static_cast<xfs_extlen_t>(e.br_blockcount);
        if (mp.sb().has_reflink) {
            // Only the blocks no other mapping uses go back to free space.
            xfs_extent_list to_free;
            xfs_refcount_decrease_extent(mp, e.br_startblock, blen, &to_free);
            for (const auto& [bno, flen] : to_free) xfs_free_extent(mp, bno, flen, XFS_RMAP_OWN_NULL, 0, 0);
        } else {
            xfs_free_extent(mp, e.br_startblock, blen, XFS_RMAP_OWN_NULL, 0, 0);
        }
    }
    xfs_bmap_sync_btree_blocks(mp, ip);
    xfs_trans_log_inode(mp, ip);
}

int xfs_bmapi_write(xfs_mount& mp, xfs_inode& ip, xfs_fileoff_t off, u64 len, bool unwritten, xfs_bmbt_irec* out) {
    const xfs_sb& sb = mp.sb();
    xfs_alloc_arg args;
    auto left = ip.i_df.lower_bound(off); // the extent after the hole; std::prev(left) the one before
    // Extent size hint (xfs_bmap_extsize_align): the request grows to whole multiples of the hint,
    // within the hole around it, so that a small write allocates a whole hint-sized extent.
    if (ip.i_extsize > 1) {
        const xfs_fileoff_t hole_start = left == ip.i_df.begin() ? 0 : std::prev(left)->second.end();
        const xfs_fileoff_t hole_end = left == ip.i_df.end() ? ~u64{0} : left->first;
        const xfs_fileoff_t aoff = std::max<xfs_fileoff_t>(off / ip.i_extsize * ip.i_extsize, hole_start);
        const xfs_fileoff_t aend =
            std::min<xfs_fileoff_t>((off + len + ip.i_extsize - 1) / ip.i_extsize * ip.i_extsize, hole_end);
        len = aend - aoff;
        off = aoff;
    }
    // Goal: right after the previous extent of the file, else the inode's own AG block (xfs_bmap_adjacent).
    args.goal = XFS_INO_TO_FSB(sb, ip.i_ino);
    bool contiguous = false;
    if (left != ip.i_df.begin()) {
        const xfs_bmbt_irec& l = std::prev(left)->second;
        args.goal = l.br_startblock + l.br_blockcount + (off - l.end());
        contiguous = l.end() == off;
        if (XFS_FSB_TO_AGBNO(sb, args.goal) >= sb.sb_agblocks) args.goal = l.br_startblock + l.br_blockcount;
    }
    // Stripe alignment (mkfs -d su=): a new extent that does not continue the previous one starts on a
    // stripe unit boundary when its file offset is one (xfs_bmap_btalloc's stripe_align).
    if (sb.sb_unit > 1 && !contiguous && off % sb.sb_unit == 0) args.alignment = sb.sb_unit;
    args.maxlen = static_cast<xfs_extlen_t>(std::min<u64>(len, sb.sb_agblocks));
    args.minlen = 1;
    if (len >= XFS_PMD_BLOCKS && off % XFS_PMD_BLOCKS == 0) {
        args.alignment = XFS_PMD_BLOCKS;
        args.maxlen = static_cast<xfs_extlen_t>(std::min<u64>(args.maxlen / XFS_PMD_BLOCKS * XFS_PMD_BLOCKS,
                                                              sb.sb_agblocks));
    }
    if (const int err = xfs_alloc_vextent(mp, args); err != 0) return err;
    const xfs_bmbt_irec irec{off, args.fsbno, args.len, unwritten};
    xfs_iext_insert(ip.i_df, irec);
    rmap_for(mp, ip, irec, true);
    xfs_btree_charge(mp.k(), ip.i_df.size(), 1);
    xfs_bmap_sync_btree_blocks(mp, ip);
    xfs_trans_log_inode(mp, ip);
    *out = irec;
    return 0;
}

void xfs_bmap_convert_written(xfs_mount& mp, xfs_inode& ip, const xfs_bmbt_irec& irec) {
    xfs_iext_remove_range(ip.i_df, irec.br_startoff, irec.br_blockcount);
    xfs_bmbt_irec unwritten = irec;
    unwritten.br_unwritten = true;
    rmap_for(mp, ip, unwritten, false);
    xfs_bmbt_irec written = irec;
    written.br_unwritten = false;
    xfs_iext_insert(ip.i_df, written);
    rmap_for(mp, ip, written, true);
    xfs_btree_charge(mp.k(), ip.i_df.size(), 1);
    xfs_bmap_sync_btree_blocks(mp, ip);
    xfs_trans_log_inode(mp, ip);
}

} // namespace daxsim::kernel
