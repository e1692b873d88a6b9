#include "guest_api/kernel/errno.h"

#include "guest_api/fs/xfs/xfs_reflink.h"

#include <algorithm>

#include "guest_api/fs/dax.h"
#include "guest_api/fs/internal.h"
#include "guest_api/fs/xfs/xfs_alloc.h"
#include "guest_api/fs/xfs/xfs_bmap.h"
#include "guest_api/fs/xfs/xfs_inode.h"
#include "guest_api/fs/xfs/xfs_iomap.h"
#include "guest_api/fs/xfs/xfs_refcount.h"
#include "guest_api/fs/xfs/xfs_rmap.h"
#include "guest_api/kernel/kernel.h"

namespace daxsim::kernel {
namespace {

u64 align_up(u64 v, u64 a) { return (v + a - 1) / a * a; }

// xfs_reflink_remap_blocks + xfs_reflink_remap_extent: dest [pos_out, +len) takes the source's written
// extents of [pos_in, +len); source holes and unwritten extents leave holes in the destination.
void remap_blocks(xfs_mount& mp, xfs_inode& src, u64 pos_in, xfs_inode& dst, u64 pos_out, u64 len) {
    const xfs_sb& sb = mp.sb();
    const xfs_fileoff_t soff = XFS_B_TO_FSBT(sb, pos_in);
    const xfs_fileoff_t doff = XFS_B_TO_FSBT(sb, pos_out);
    const u64 count = XFS_B_TO_FSB(sb, len);
    for (const xfs_bmbt_irec& piece : xfs_bmapi_read(src.i_df, soff, count)) {
        const xfs_fileoff_t dstart = doff + (piece.br_startoff - soff);
        xfs_bunmapi(mp, dst, dstart, piece.br_blockcount);
        if (piece.is_hole() || piece.br_unwritten) continue;
        xfs_refcount_increase_extent(mp, piece.br_startblock, static_cast<xfs_extlen_t>(piece.br_blockcount));
        xfs_bmap_map_extent(mp, dst, {dstart, piece.br_startblock, piece.br_blockcount, false});
    }
}

// generic_remap_checks and the length rules of __generic_remap_file_range_prep (v6.8).
int remap_checks(const inode& in, loff_t pos_in, const inode& out, loff_t pos_out, loff_t* len, unsigned flags) {
    const loff_t bs = static_cast<loff_t>(PAGE_SIZE);
    const bool dedupe = (flags & REMAP_FILE_DEDUP) != 0;
    if (pos_in < 0 || pos_out < 0 || *len < 0) return -EINVAL;
    if (pos_in % bs != 0 || pos_out % bs != 0) return -EINVAL;
    const loff_t size_in = in.i_size;
    const loff_t size_out = out.i_size;
    if (*len == 0) {   // zero-length dedupe does nothing; a clone goes to the source's EOF
        if (dedupe || pos_in == size_in) return 0;
        if (pos_in > size_in) return -EINVAL;
        *len = size_in - pos_in;
    }
    if (pos_in >= size_in) return -EINVAL;
    loff_t count = std::min(*len, size_in - pos_in);
    if (dedupe) {
        if (pos_out >= size_out) return -EINVAL;
        count = std::min(count, size_out - pos_out);
    }
    loff_t bcount = count;
    if (pos_in + count == size_in && (!dedupe || pos_out + count == size_out)) {
        bcount = static_cast<loff_t>(align_up(static_cast<u64>(size_in), PAGE_SIZE)) - pos_in;
    } else if (count % bs != 0) {
        if (!(flags & REMAP_FILE_CAN_SHORTEN)) return -EINVAL;
        count -= count % bs;
        bcount = count;
    }
    if (&in == &out && pos_out + bcount > pos_in && pos_out < pos_in + bcount) return -EINVAL;
    *len = count;
    return 0;
}

} // namespace

bool xfs_reflink_trim_around_shared(xfs_mount& mp, xfs_inode& ip, xfs_bmbt_irec& irec) {
    (void)ip;
    if (!mp.sb().has_reflink || irec.is_hole() || irec.br_unwritten) return false;
    const xfs_sb& sb = mp.sb();
    const xfs_agnumber_t agno = XFS_FSB_TO_AGNO(sb, irec.br_startblock);
    const xfs_agblock_t agbno = XFS_FSB_TO_AGBNO(sb, irec.br_startblock);
    xfs_agblock_t fbno = 0;
    xfs_extlen_t flen = 0;
    if (!xfs_refcount_find_shared(mp, agno, agbno, static_cast<xfs_extlen_t>(irec.br_blockcount), &fbno, &flen, true))
        return false;
    if (fbno == agbno) {
        irec.br_blockcount = flen;
        return true;
    }
    irec.br_blockcount = fbno - agbno;
    return false;
}

int xfs_reflink_allocate_cow(xfs_mount& mp, xfs_inode& ip, const xfs_bmbt_irec& imap, xfs_bmbt_irec* cmap) {
    // A staging extent already in the CoW fork is reused.
    const auto existing = xfs_bmapi_read(ip.i_cowfp, imap.br_startoff, imap.br_blockcount).front();
    if (!existing.is_hole()) {
        *cmap = existing;
        return 0;
    }
    xfs_alloc_arg args;
    args.goal = imap.br_startblock + imap.br_blockcount;
    args.minlen = 1;
    args.maxlen = static_cast<xfs_extlen_t>(std::min<u64>(existing.br_blockcount, mp.sb().sb_agblocks));
    if (args.maxlen >= XFS_PMD_BLOCKS && imap.br_startoff % XFS_PMD_BLOCKS == 0) {
        args.alignment = XFS_PMD_BLOCKS;
        args.maxlen -= args.maxlen % XFS_PMD_BLOCKS;
    }
    args.owner = XFS_RMAP_OWN_COW;
    if (const int err = xfs_alloc_vextent(mp, args); err) return err;
    xfs_refcount_alloc_cow_extent(mp, args.fsbno, args.len);
    *cmap = {imap.br_startoff, args.fsbno, args.len, false};
    xfs_iext_insert(ip.i_cowfp, *cmap);
    return 0;
}

int xfs_reflink_end_cow(xfs_mount& mp, xfs_inode& ip, loff_t pos, u64 count) {
    const xfs_sb& sb = mp.sb();
    const xfs_fileoff_t off = XFS_B_TO_FSBT(sb, static_cast<u64>(pos));
    const xfs_fileoff_t end = XFS_B_TO_FSB(sb, static_cast<u64>(pos) + count);
    for (const xfs_bmbt_irec& c : xfs_iext_remove_range(ip.i_cowfp, off, end - off)) {
        const auto len = static_cast<xfs_extlen_t>(c.br_blockcount);
        // xfs_reflink_end_cow_extent: drop the old mapping, retire the staging record, map the new blocks.
        xfs_bunmapi(mp, ip, c.br_startoff, c.br_blockcount);
        xfs_refcount_free_cow_extent(mp, c.br_startblock, len);
        xfs_rmap_unmap(mp, XFS_FSB_TO_AGNO(sb, c.br_startblock), XFS_FSB_TO_AGBNO(sb, c.br_startblock), len,
                       XFS_RMAP_OWN_COW, 0, 0);
        xfs_bmap_map_extent(mp, ip, {c.br_startoff, c.br_startblock, c.br_blockcount, false});
    }
    return 0;
}

void xfs_reflink_cancel_cow_range(xfs_mount& mp, xfs_inode& ip, xfs_fileoff_t off, u64 count) {
    for (const xfs_bmbt_irec& c : xfs_iext_remove_range(ip.i_cowfp, off, count)) {
        const auto len = static_cast<xfs_extlen_t>(c.br_blockcount);
        xfs_refcount_free_cow_extent(mp, c.br_startblock, len);
        xfs_free_extent(mp, c.br_startblock, len, XFS_RMAP_OWN_COW, 0, 0);
    }
}

loff_t xfs_file_remap_range(Kernel& k, file& src, loff_t pos_in, file& dst, loff_t pos_out, loff_t len,
                            unsigned remap_flags) {
    if (remap_flags & ~(REMAP_FILE_DEDUP | REMAP_FILE_CAN_SHORTEN)) return -EINVAL;
    xfs_inode& sip = XFS_I(*src.f_inode);
    xfs_inode& dip = XFS_I(*dst.f_inode);
    xfs_mount& mp = *sip.i_mount;
    if (dip.i_mount != &mp) return -EXDEV;
    if (!mp.sb().has_reflink) return -EOPNOTSUPP;
    if (xfs_is_shutdown(mp)) return -EIO;
    if (mp.s_readonly) return -EROFS;
    if (const int err = remap_checks(sip, pos_in, dip, pos_out, &len, remap_flags); err) return err;
    if (len == 0) return 0;
    // Dirty mapped pages of both files reach the media and are write-protected (filemap_write_and_wait).
    dax_writeback_mapping_range(k, *sip.i_mapping);
    dax_writeback_mapping_range(k, *dip.i_mapping);
    if (remap_flags & REMAP_FILE_DEDUP) {
        bool same = false;
        if (const int err = dax_dedupe_file_range_compare(k, sip, pos_in, dip, pos_out, len, &same,
                                                         xfs_read_iomap_ops); err)
            return err;
        if (!same) return -EBADE_DEDUPE;   // remap_file_range_prep: the data differs
    }
    // The destination's old pages go; the source's stay mapped but read-only, so a store CoWs.
    dax_unmap_mapping_range(*dip.i_mapping, static_cast<u64>(pos_out), static_cast<u64>(len), false);
    dax_unmap_mapping_range(*sip.i_mapping, static_cast<u64>(pos_in), static_cast<u64>(len), true);
    remap_blocks(mp, sip, static_cast<u64>(pos_in), dip, static_cast<u64>(pos_out), static_cast<u64>(len));
    if (pos_out + len > dip.i_size) {   // xfs_reflink_update_dest
        dip.i_size = pos_out + len;
        xfs_trans_log_inode(mp, dip);
    }
    return len;
}

int xfs_reflink_unshare(xfs_mount& mp, xfs_inode& ip, loff_t offset, loff_t len) {
    if (!mp.sb().has_reflink) return 0;
    return dax_file_unshare(mp.k(), ip, offset, len, xfs_dax_write_iomap_ops);
}

} // namespace daxsim::kernel
