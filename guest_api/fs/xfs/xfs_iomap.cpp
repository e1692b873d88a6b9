#include "guest_api/kernel/errno.h"

#include "guest_api/fs/xfs/xfs_iomap.h"

#include <algorithm>

#include "guest_api/drivers/dax/dax.h"
#include "guest_api/fs/xfs/xfs_bmap.h"
#include "guest_api/fs/xfs/xfs_reflink.h"
#include "guest_api/kernel/kernel.h"

namespace daxsim::kernel {
namespace {

// The first piece (extent or hole) of the data fork at pos, clipped to [pos, pos+length).
xfs_bmbt_irec first_piece(const xfs_mount& mp, const xfs_inode& ip, loff_t pos, loff_t length) {
    const xfs_sb& sb = mp.sb();
    const xfs_fileoff_t off = XFS_B_TO_FSBT(sb, static_cast<u64>(pos));
    const xfs_fileoff_t end = XFS_B_TO_FSB(sb, static_cast<u64>(pos + length));
    return xfs_bmapi_read(ip.i_df, off, std::max<u64>(end - off, 1)).front();
}

// Zeroes freshly allocated blocks through the driver (dax_zero_page_range), as XFS_BMAPI_ZERO does.
int zero_blocks(xfs_mount& mp, const xfs_bmbt_irec& irec) {
    const u64 dev = xfs_fsb_to_bdev_bytes(mp.sb(), irec.br_startblock) + mp.s_dax_part_off;
    return dax_zero_page_range(mp.k(), mp.s_daxdev, dev >> PAGE_SHIFT,
                               static_cast<std::size_t>(XFS_FSB_TO_B(mp.sb(), irec.br_blockcount) >> PAGE_SHIFT));
}

struct xfs_read_iomap_ops_impl final : iomap_ops {
    int iomap_begin(Kernel& k, inode& ino, loff_t pos, loff_t length, unsigned flags, iomap& map,
                    iomap& srcmap) const override {
        (void)k;
        (void)srcmap;
        xfs_inode& ip = XFS_I(ino);
        xfs_mount& mp = *ip.i_mount;
        if (xfs_is_shutdown(mp)) return -EIO;
        xfs_bmbt_irec irec = first_piece(mp, ip, pos, length);
        unsigned iflags = 0;
        if ((flags & IOMAP_REPORT) && !irec.is_hole() && mp.sb().has_reflink &&
            xfs_reflink_trim_around_shared(mp, ip, irec))
            iflags |= IOMAP_F_SHARED;
        xfs_bmbt_to_iomap(mp, map, irec, iflags);
        return 0;
    }
};

struct xfs_dax_write_iomap_ops_impl final : iomap_ops {
    int iomap_begin(Kernel& k, inode& ino, loff_t pos, loff_t length, unsigned flags, iomap& map,
                    iomap& srcmap) const override {
        (void)k;
        xfs_inode& ip = XFS_I(ino);
        xfs_mount& mp = *ip.i_mount;
        if (xfs_is_shutdown(mp)) return -EIO;
        xfs_bmbt_irec irec = first_piece(mp, ip, pos, length);
        const bool unshare = (flags & IOMAP_UNSHARE) != 0;
        if (irec.is_hole() || irec.br_unwritten) {
            if (unshare) {   // nothing to unshare in a hole
                xfs_bmbt_to_iomap(mp, map, irec, 0);
                return 0;
            }
            if (irec.is_hole()) {
                if (const int err = xfs_bmapi_write(mp, ip, irec.br_startoff, irec.br_blockcount, false, &irec); err)
                    return err;
                if (const int err = zero_blocks(mp, irec); err) return err;
            } else {
                if (const int err = zero_blocks(mp, irec); err) return err;
                xfs_bmap_convert_written(mp, ip, irec);
                irec.br_unwritten = false;
            }
            xfs_bmbt_to_iomap(mp, map, irec, IOMAP_F_NEW);
            return 0;
        }
        // Written blocks: a write (not a read fault) to shared blocks goes to a CoW staging extent.
        if ((flags & IOMAP_WRITE) && mp.sb().has_reflink && xfs_reflink_trim_around_shared(mp, ip, irec)) {
            xfs_bmbt_irec cmap;
            if (const int err = xfs_reflink_allocate_cow(mp, ip, irec, &cmap); err) return err;
            irec.br_blockcount = cmap.br_blockcount;   // the CoW extent may be shorter
            xfs_bmbt_to_iomap(mp, srcmap, irec, 0);
            xfs_bmbt_to_iomap(mp, map, cmap, IOMAP_F_SHARED);
            return 0;
        }
        xfs_bmbt_to_iomap(mp, map, irec, 0);
        return 0;
    }

    // xfs_dax_write_iomap_end: remap the CoW blocks that were written, drop the rest.
    int iomap_end(Kernel& k, inode& ino, loff_t pos, loff_t length, ssize_t written, unsigned flags,
                  iomap& map) const override {
        (void)k;
        (void)flags;
        if (!(map.flags & IOMAP_F_SHARED)) return 0;
        xfs_inode& ip = XFS_I(ino);
        xfs_mount& mp = *ip.i_mount;
        const xfs_sb& sb = mp.sb();
        int err = 0;
        u64 done_end = static_cast<u64>(pos);
        if (written > 0) {
            err = xfs_reflink_end_cow(mp, ip, pos, static_cast<u64>(written));
            done_end = XFS_FSB_TO_B(sb, XFS_B_TO_FSB(sb, static_cast<u64>(pos + written)));
        }
        const u64 end = static_cast<u64>(pos + length);
        if (done_end < end) {
            const xfs_fileoff_t off = XFS_B_TO_FSBT(sb, done_end);
            xfs_reflink_cancel_cow_range(mp, ip, off, XFS_B_TO_FSB(sb, end) - off);
        }
        return err;
    }
};

const xfs_read_iomap_ops_impl read_ops_instance;
const xfs_dax_write_iomap_ops_impl write_ops_instance;

} // namespace

const iomap_ops& xfs_read_iomap_ops = read_ops_instance;
const iomap_ops& xfs_dax_write_iomap_ops = write_ops_instance;

void xfs_bmbt_to_iomap(const xfs_mount& mp, iomap& map, const xfs_bmbt_irec& irec, unsigned iomap_flags) {
    const xfs_sb& sb = mp.sb();
    map.offset = static_cast<loff_t>(XFS_FSB_TO_B(sb, irec.br_startoff));
    map.length = XFS_FSB_TO_B(sb, irec.br_blockcount);
    map.flags = iomap_flags;
    map.bdev = mp.s_bdev;
    map.dax_dev = mp.s_daxdev;
    if (irec.is_hole()) {
        map.type = iomap_type::HOLE;
        map.addr = IOMAP_NULL_ADDR;
        return;
    }
    map.type = irec.br_unwritten ? iomap_type::UNWRITTEN : iomap_type::MAPPED;
    map.addr = xfs_fsb_to_bdev_bytes(sb, irec.br_startblock) + mp.s_dax_part_off;
}

} // namespace daxsim::kernel
