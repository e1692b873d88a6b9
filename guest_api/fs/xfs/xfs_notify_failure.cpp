// v6.8 xfs_dax_notify_failure: a failure on the external log device shuts the file system down as
// corrupt on disk ("ondisk log corrupt"); on the data device the failed byte range is turned into AG
// blocks, the rmapbt is queried over it, and every owner is told: file data owners through
// mf_dax_kill_procs (each reflinked owner of a shared block), metadata owners (attr fork and bmbt blocks
// included) by shutting the file system down.
// MF_MEM_PRE_REMOVE (device unbind) freezes, signals the mapping processes and force-unmounts instead.
#include "guest_api/kernel/errno.h"

#include "guest_api/fs/xfs/xfs_notify_failure.h"

#include <algorithm>
#include <limits>

#include "guest_api/block/blkdev.h"
#include "guest_api/fs/xfs/xfs_mount.h"
#include "guest_api/fs/xfs/xfs_rmap.h"
#include "guest_api/kernel/kernel.h"
#include "guest_api/kernel/layer_timer.h"
#include "guest_api/mm/memory_failure.h"
#include "guest_api/mm/mf_flow.h"

namespace daxsim::kernel {
namespace {

constexpr const char* kFile = "fs/xfs/xfs_notify_failure.c";

struct xfs_failure_info {
    xfs_agblock_t startblock = 0;
    xfs_extlen_t blockcount = 0;
    int mf_flags = 0;
    bool want_shutdown = false;
};

// File page of the first failed block of the record.
pgoff_t xfs_failure_pgoff(const xfs_sb& sb, const xfs_rmap_irec& rec, const xfs_failure_info& notify) {
    u64 pos = XFS_FSB_TO_B(sb, rec.rm_offset);
    if (notify.startblock > rec.rm_startblock) pos += XFS_FSB_TO_B(sb, notify.startblock - rec.rm_startblock);
    return pos >> PAGE_SHIFT;
}

// Pages where the record and the failed range overlap.
unsigned long xfs_failure_pgcnt(const xfs_sb& sb, const xfs_rmap_irec& rec, const xfs_failure_info& notify) {
    const u64 start_cross = std::max(rec.rm_startblock, notify.startblock);
    const u64 end_rec = u64{rec.rm_startblock} + rec.rm_blockcount;
    const u64 end_notify = u64{notify.startblock} + notify.blockcount;
    const u64 end_cross = std::min(end_rec, end_notify);
    return static_cast<unsigned long>(XFS_FSB_TO_B(sb, end_cross - start_cross) >> PAGE_SHIFT);
}

int xfs_dax_failure_fn(xfs_mount& mp, const xfs_rmap_irec& rec, xfs_failure_info& notify) {
    if (XFS_RMAP_NON_INODE_OWNER(rec.rm_owner) || (rec.rm_flags & (XFS_RMAP_ATTR_FORK | XFS_RMAP_BMBT_BLOCK))) {
        // Metadata: not a failure the pre-remove path cares about; otherwise the fs must go down.
        if (!(notify.mf_flags & MF_MEM_PRE_REMOVE)) notify.want_shutdown = true;
        return 0;
    }
    // xfs_iget(XFS_IGET_INCORE): every inode of the image is in core here; -ENODATA never happens.
    const auto it = mp.m_disk->inodes.find(rec.rm_owner);
    if (it == mp.m_disk->inodes.end()) {
        notify.want_shutdown = true;   // an rmap owner that is no inode: corruption
        return 0;
    }
    xfs_inode& ip = *it->second;
    const pgoff_t pgoff = xfs_failure_pgoff(mp.sb(), rec, notify);
    const unsigned long pgcnt = xfs_failure_pgcnt(mp.sb(), rec, notify);
    int error = 0;
    if (ip.dax) error = mf_dax_kill_procs(mp.k(), ip.i_mapping, pgoff, pgcnt, notify.mf_flags);
    return error;
}

// xfs_dax_translate_range: dax device bytes -> daddr range of the file system's block device.
int xfs_dax_translate_range(const xfs_mount& mp, u64 offset, u64 len, xfs_daddr_t* daddr, u64* bblen) {
    const u64 dev_start = mp.s_dax_part_off;
    const u64 dev_len = mp.s_bdev->size_bytes();
    const u64 dev_end = dev_start + dev_len - 1;
    if (offset == 0 && len == std::numeric_limits<u64>::max()) {   // the whole device
        offset = dev_start;
        len = dev_len;
    }
    if (len == 0 || offset + len - 1 < dev_start || offset > dev_end) return -ENXIO;
    if (offset > dev_start) {
        offset -= dev_start;
    } else {
        len -= dev_start - offset;
        offset = 0;
    }
    if (offset + len - 1 > dev_end) len = dev_end - offset + 1;
    *daddr = offset >> SECTOR_SHIFT;
    *bblen = (len + (u64{1} << SECTOR_SHIFT) - 1) >> SECTOR_SHIFT;
    return 0;
}

int xfs_dax_notify_ddev_failure(xfs_mount& mp, u64 offset, u64 len, int mf_flags) {
    Kernel& k = mp.k();
    const xfs_sb& sb = mp.sb();
    xfs_failure_info notify;
    notify.mf_flags = mf_flags;
    if (!sb.has_rmapbt) {
        xfs_debug(mp, "notify_failure() needs rmapbt enabled!");
        return -EOPNOTSUPP;
    }
    xfs_daddr_t daddr = 0;
    u64 bblen = 0;
    if (const int err = xfs_dax_translate_range(mp, offset, len, &daddr, &bblen); err) return err;
    const unsigned bb_per_fsb_log = sb.sb_blocklog - SECTOR_SHIFT;
    const xfs_fsblock_t start_bno = xfs_dblock_to_fsb(sb, daddr >> bb_per_fsb_log);
    const xfs_fsblock_t end_bno = xfs_dblock_to_fsb(sb, (daddr + bblen - 1) >> bb_per_fsb_log);

    bool kernel_frozen = false;
    if (mf_flags & MF_MEM_PRE_REMOVE) {
        xfs_info(mp, "Device is about to be removed!");
        // freeze_super(FREEZE_HOLDER_KERNEL): no new mappings while the owners are told.
        if (mp.m_frozen)
            xfs_emerg(mp, "already frozen by kernel, err=-16");
        else
            kernel_frozen = mp.m_frozen = true;
    }

    int error = 0;
    {
        LayerScope scope(k, "xfs_rmap", "xfs_rmap_query_range");
        bool flow_stepped = false;
        const xfs_agnumber_t start_ag = XFS_FSB_TO_AGNO(sb, start_bno);
        const xfs_agnumber_t end_ag = std::min(XFS_FSB_TO_AGNO(sb, end_bno), sb.sb_agcount - 1);
        for (xfs_agnumber_t agno = start_ag; agno <= end_ag && error == 0; ++agno) {
            const xfs_perag& pag = mp.pag(agno);
            const xfs_agblock_t low = agno == start_ag ? XFS_FSB_TO_AGBNO(sb, start_bno) : 0;
            const xfs_agblock_t high = agno == XFS_FSB_TO_AGNO(sb, end_bno) ? XFS_FSB_TO_AGBNO(sb, end_bno)
                                                                           : pag.pag_blocks - 1;
            notify.startblock = low;
            notify.blockcount = std::min<xfs_agblock_t>(pag.pag_blocks, high + 1) - low;
            error = xfs_rmap_query_range(mp, agno, low, high, [&](const xfs_rmap_irec& rec) {
                // One flow point per walk, before the first owner is told.
                if (!flow_stepped) mf_flow_step(k, "kernel.xfs_rmap");
                flow_stepped = true;
                return xfs_dax_failure_fn(mp, rec, notify);
            });
        }
    }

    if (mf_flags & MF_MEM_PRE_REMOVE) {
        xfs_do_force_shutdown(mp, SHUTDOWN_FORCE_UMOUNT, "xfs_dax_notify_ddev_failure", kFile);
    } else if (error || notify.want_shutdown) {
        xfs_do_force_shutdown(mp, SHUTDOWN_CORRUPT_ONDISK, "xfs_dax_notify_ddev_failure", kFile);
        if (!error) error = -EFSCORRUPTED;
    }
    if (mf_flags & MF_MEM_PRE_REMOVE) {
        if (kernel_frozen) mp.m_frozen = false;   // thaw_super(FREEZE_HOLDER_KERNEL)
    }
    return error;
}

struct xfs_dax_holder_operations_impl final : dax_holder_operations {
    int notify_failure(Kernel& k, dax_device* dax_dev, u64 offset, u64 len, int mf_flags) const override {
        (void)k;
        auto* mp = static_cast<xfs_mount*>(dax_dev->holder_data);
        if (!mp) return -EOPNOTSUPP;
        // daxsim has no realtime device (xfs_dax_notify_failure answers -EOPNOTSUPP for one).
        // The external log device: no rmap to ask, the log is corrupt (an internal log is an
        // XFS_RMAP_OWN_LOG record of the data device and goes through the rmap walk below).
        if (mp->m_logdev_dax == dax_dev && dax_dev != mp->s_daxdev) {
            // Pre-remove: the device is going, the data device's holder does the force unmount.
            if (mf_flags & MF_MEM_PRE_REMOVE) return 0;
            xfs_err(*mp, "ondisk log corrupt, shutting down fs!");
            xfs_do_force_shutdown(*mp, SHUTDOWN_CORRUPT_ONDISK, "xfs_dax_notify_failure", kFile);
            return -EFSCORRUPTED;
        }
        return xfs_dax_notify_ddev_failure(*mp, offset, len, mf_flags);
    }
};

const xfs_dax_holder_operations_impl holder_ops_instance;

} // namespace

const dax_holder_operations& xfs_dax_holder_operations = holder_ops_instance;

} // namespace daxsim::kernel
