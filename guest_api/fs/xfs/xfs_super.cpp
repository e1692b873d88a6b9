#include "guest_api/kernel/errno.h"

#include "guest_api/fs/xfs/xfs_super.h"

#include <array>
#include <cstring>

#include <fmt/format.h>

#include "guest_api/arch/copy_mc.h"
#include "guest_api/block/blkdev.h"
#include "guest_api/drivers/dax/dax.h"
#include "guest_api/fs/xattr.h"
#include "guest_api/fs/xfs/xfs_attr.h"
#include "guest_api/fs/xfs/xfs_file.h"
#include "guest_api/fs/xfs/xfs_inode.h"
#include "guest_api/fs/xfs/xfs_mount.h"
#include "guest_api/fs/xfs/xfs_notify_failure.h"
#include "guest_api/fs/xfs/xfs_reflink.h"
#include "guest_api/kernel/kernel.h"

namespace daxsim::kernel {
namespace {

// Reads the primary superblock's magic from the media (xfs_readsb), machine-check safe.
int xfs_readsb(Kernel& k, block_device& bdev) {
    if (!bdev.dax_dev) return -EINVAL;
    u64 pfn = 0;
    const long pages = dax_direct_access(k, bdev.dax_dev, bdev.dax_offset >> PAGE_SHIFT, 1,
                                         dax_access_mode::DAX_ACCESS, &pfn);
    if (pages < 0) return pages == -EHWPOISON ? -EIO : static_cast<int>(pages);
    std::array<std::byte, 4> magic{};
    if (copy_mc_to_kernel(k, magic, PFN_PHYS(pfn) + (bdev.dax_offset & (PAGE_SIZE - 1))) != 0) return -EIO;
    const u32 m = (u32(magic[0]) << 24) | (u32(magic[1]) << 16) | (u32(magic[2]) << 8) | u32(magic[3]);
    return m == XFS_SB_MAGIC ? 0 : -EINVAL;
}

struct xfs_super_operations_impl final : super_operations {
    int lookup(Kernel& k, vfs_super& sb, const std::string& name, std::shared_ptr<inode>* out) const override {
        (void)k;
        xfs_mount& mp = static_cast<xfs_mount&>(sb);
        if (xfs_is_shutdown(mp)) return -EIO;
        xfs_disk& d = *mp.m_disk;
        const auto it = d.root_dir.find(name);
        if (it == d.root_dir.end()) return -ENOENT;
        xfs_btree_charge(mp.k(), d.root_dir.size(), 1);
        *out = d.inodes.at(it->second);
        return 0;
    }

    int create(Kernel& k, vfs_super& sb, const std::string& name, std::shared_ptr<inode>* out) const override {
        xfs_mount& mp = static_cast<xfs_mount&>(sb);
        if (lookup(k, sb, name, out) == 0) return 0;
        if (xfs_is_shutdown(mp)) return -EIO;
        if (mp.s_readonly) return -EROFS;
        if (name.empty() || name.find('/') != std::string::npos) return -ENOENT;   // no subdirectories
        std::shared_ptr<xfs_inode> ip;
        if (const int err = xfs_ialloc(mp, &ip); err) return err;
        mp.m_disk->root_dir[name] = ip->i_ino;
        *out = ip;
        return 0;
    }

    int unlink(Kernel& k, vfs_super& sb, const std::string& name) const override {
        xfs_mount& mp = static_cast<xfs_mount&>(sb);
        if (xfs_is_shutdown(mp)) return -EIO;
        if (mp.s_readonly) return -EROFS;
        xfs_disk& d = *mp.m_disk;
        const auto it = d.root_dir.find(name);
        if (it == d.root_dir.end()) return -ENOENT;
        std::shared_ptr<xfs_inode> ip = d.inodes.at(it->second);
        d.root_dir.erase(it);
        ip->i_nlink = 0;
        d.orphans.push_back(std::move(ip));
        reap_orphans(k, sb);
        return 0;
    }

    int setattr_size(Kernel& k, inode& ino, loff_t size) const override {
        (void)k;
        xfs_inode& ip = XFS_I(ino);
        return xfs_setattr_size(*ip.i_mount, ip, size);
    }

    int fiemap(Kernel& k, inode& ino, std::vector<fiemap_extent>* out) const override {
        (void)k;
        xfs_inode& ip = XFS_I(ino);
        return xfs_vn_fiemap(*ip.i_mount, ip, out);
    }

    loff_t remap_file_range(Kernel& k, file& src, loff_t pos_in, file& dst, loff_t pos_out, loff_t len,
                            unsigned remap_flags) const override {
        return xfs_file_remap_range(k, src, pos_in, dst, pos_out, len, remap_flags);
    }

    // Metadata is durable when each operation returns (DESIGN.md), so a sync only has to fail on shutdown.
    int sync_fs(Kernel& k, vfs_super& sb) const override {
        (void)k;
        return xfs_is_shutdown(static_cast<xfs_mount&>(sb)) ? -EIO : 0;
    }

    [[nodiscard]] bool is_shutdown(const vfs_super& sb) const override {
        return static_cast<const xfs_mount&>(sb).m_shutdown;
    }

    [[nodiscard]] bool busy(const vfs_super& sb) const override {
        const xfs_disk& d = *static_cast<const xfs_mount&>(sb).m_disk;
        for (const auto& [ino, ip] : d.inodes)
            if (!ip->i_mapping->i_mmap.empty() || ip.use_count() > (ip->i_nlink == 0 ? 2 : 1)) return true;
        return false;
    }

    void reap_orphans(Kernel& k, vfs_super& sb) const override {
        (void)k;
        xfs_mount& mp = static_cast<xfs_mount&>(sb);
        auto& orphans = mp.m_disk->orphans;
        for (auto it = orphans.begin(); it != orphans.end();) {
            std::shared_ptr<xfs_inode> ip = *it;
            // References: the orphan list, the inode table and `ip` here.
            if (ip.use_count() > 3 || !ip->i_mapping->i_mmap.empty()) {
                ++it;
                continue;
            }
            it = orphans.erase(it);
            if (!xfs_is_shutdown(mp)) xfs_inactive(mp, *ip);
        }
    }

    void kill_sb(Kernel& k, vfs_super& sb) const override {
        xfs_mount& mp = static_cast<xfs_mount&>(sb);
        reap_orphans(k, sb);
        xfs_info(mp, fmt::format("Unmounting Filesystem {}", mp.sb().uuid));
        for (auto& [ino, ip] : mp.m_disk->inodes) {
            ip->i_sb = nullptr;
            ip->i_mount = nullptr;
        }
        fs_put_dax(mp.s_daxdev, &mp);
        if (mp.m_logdev_dax) fs_put_dax(mp.m_logdev_dax, &mp);
        if (mp.m_logdev) bd_release(*mp.m_logdev, &mp);
        bd_release(*mp.s_bdev, &mp);
    }

    [[nodiscard]] std::optional<u64> file_offset_to_dax(Kernel& k, inode& ino, u64 offset) const override {
        (void)k;
        xfs_inode& ip = XFS_I(ino);
        const xfs_sb& sb = ip.i_mount->sb();
        const xfs_fileoff_t off = XFS_B_TO_FSBT(sb, offset);
        const auto it = ip.i_df.upper_bound(off);
        if (it == ip.i_df.begin()) return std::nullopt;
        const xfs_bmbt_irec& e = std::prev(it)->second;
        if (e.end() <= off) return std::nullopt;
        return xfs_fsb_to_bdev_bytes(sb, e.br_startblock + (off - e.br_startoff)) + (offset & (sb.sb_blocksize - 1)) +
               ip.i_mount->s_dax_part_off;
    }

    // xfs_xattr_set / xfs_xattr_get (the user, trusted and security handlers of xfs_xattr.c).
    int setxattr(Kernel& k, inode& ino, const std::string& name,
                 std::optional<std::span<const std::byte>> value, int flags) const override {
        (void)k;
        xfs_inode& ip = XFS_I(ino);
        if (!ip.i_mount) return -EIO;
        if (!value) return xfs_attr_remove(*ip.i_mount, ip, name);
        return xfs_attr_set(*ip.i_mount, ip, name, *value, flags);
    }

    int getxattr(Kernel& k, inode& ino, const std::string& name, std::string* value) const override {
        (void)k;
        xfs_inode& ip = XFS_I(ino);
        if (!ip.i_mount) return -EIO;
        return xfs_attr_get(*ip.i_mount, ip, name, value);
    }

    [[nodiscard]] std::optional<u64> attr_offset_to_dax(Kernel& k, inode& ino, u64 offset) const override {
        (void)k;
        return xfs_attr_offset_to_dax(XFS_I(ino), offset);
    }

    // xfs_fileattr_get: the extent size hint and the data fork's extent count.
    int fileattr_get(Kernel& k, inode& ino, fileattr* fa) const override {
        (void)k;
        const xfs_inode& ip = XFS_I(ino);
        if (!ip.i_mount) return -EIO;
        fa->fsx_xflags = ip.i_extsize ? FS_XFLAG_EXTSIZE : 0;
        fa->fsx_extsize = static_cast<u32>(XFS_FSB_TO_B(ip.i_mount->sb(), ip.i_extsize));
        fa->fsx_nextents = static_cast<u32>(ip.i_df.size());
        return 0;
    }

    // xfs_fileattr_set with xfs_ioctl_setattr_check_extsize and xfs_inode_validate_extsize: a regular
    // file that already has extents cannot change its hint; the hint is a multiple of the block size, at
    // most half an AG, and needs FS_XFLAG_EXTSIZE.
    int fileattr_set(Kernel& k, inode& ino, const fileattr& fa) const override {
        (void)k;
        xfs_inode& ip = XFS_I(ino);
        if (!ip.i_mount) return -EIO;
        xfs_mount& mp = *ip.i_mount;
        if (xfs_is_shutdown(mp)) return -EIO;
        const xfs_sb& sb = mp.sb();
        if (!ip.i_df.empty() && XFS_FSB_TO_B(sb, ip.i_extsize) != fa.fsx_extsize) return -EINVAL;
        if (fa.fsx_extsize != 0) {
            if (!(fa.fsx_xflags & FS_XFLAG_EXTSIZE)) return -EINVAL;
            if (fa.fsx_extsize % sb.sb_blocksize != 0) return -EINVAL;
            if (XFS_B_TO_FSBT(sb, fa.fsx_extsize) > sb.sb_agblocks / 2) return -EINVAL;
        }
        ip.i_extsize = (fa.fsx_xflags & FS_XFLAG_EXTSIZE)
                           ? static_cast<xfs_extlen_t>(XFS_B_TO_FSBT(sb, fa.fsx_extsize))
                           : 0;
        xfs_trans_log_inode(mp, ip);
        return 0;
    }
};

const xfs_super_operations_impl super_ops_instance;

// fs/super.c fs_holder_ops for a mounted XFS (v6.8): when a device it holds (data or external log) is
// going away, fs_bdev_mark_dead() calls ->shutdown, and xfs_fs_shutdown() shuts the file system down
// with SHUTDOWN_DEVICE_REMOVED. (Sync and cache shrinking before it have no effect on this model.)
struct xfs_holder_ops_impl final : blk_holder_ops {
    void mark_dead(Kernel& k, block_device& bdev, bool surprise) const override {
        (void)k;
        (void)surprise;
        auto* mp = static_cast<xfs_mount*>(const_cast<void*>(bdev.bd_holder));
        if (mp != nullptr) xfs_do_force_shutdown(*mp, SHUTDOWN_DEVICE_REMOVED, "xfs_fs_shutdown", "fs/xfs/xfs_super.c");
    }
};

const xfs_holder_ops_impl holder_ops_instance;

} // namespace

const super_operations& xfs_super_operations = super_ops_instance;

int xfs_fs_mount(Kernel& k, block_device& bdev, const std::string& dir, bool dax, bool readonly,
                 block_device* logdev) {
    xfs_disk* disk = k.vfs().xfs_image(bdev.name);
    auto mp = std::make_unique<xfs_mount>();
    mp->s_id = bdev.name;
    mp->s_kernel = &k;
    mp->s_op = &xfs_super_operations;
    mp->mount_point = dir;
    mp->s_bdev = &bdev;
    mp->s_readonly = readonly || bdev.read_only;
    mp->m_disk = disk;
    if (k.vfs().find_mount(dir)) return -EBUSY;
    if (logdev == &bdev) logdev = nullptr; // logdev= naming the data device is the internal log
    if (const int err = bd_claim(bdev, mp.get(), &holder_ops_instance); err) return err;
    // xfs_open_devices: the external log device is opened exclusively with the fs as holder.
    if (logdev) {
        if (const int err = bd_claim(*logdev, mp.get(), &holder_ops_instance); err) {
            bd_release(bdev, mp.get());
            return err;
        }
    }
    auto release = [&] {
        if (logdev) bd_release(*logdev, mp.get());
        bd_release(bdev, mp.get());
    };
    const int sberr = xfs_readsb(k, bdev);
    if (sberr != 0 || !disk) {
        release();
        if (sberr == -EIO) {
            xfs_warn(*mp, "SB validate failed with error -5.");
            return -EIO;
        }
        xfs_warn(*mp, "Invalid superblock magic number");
        return -EINVAL;
    }
    // xfs_validate_sb_common: the log must be where the superblock says.
    if ((disk->sb.sb_logstart == 0) != (logdev != nullptr)) {
        xfs_warn(*mp, disk->sb.sb_logstart == 0
                          ? "filesystem is marked as having an external log; specify logdev "
                            "on the mount command line."
                          : "filesystem is marked as having an internal log; do not specify "
                            "logdev on the mount command line.");
        xfs_warn(*mp, "SB validate failed with error -22.");
        release();
        return -EINVAL;
    }
    if (logdev && logdev->name != disk->logdev_name) {
        // The log device holds no log of this file system (xlog_header_check_mount).
        xfs_warn(*mp, "log has mismatched uuid - can't recover");
        release();
        return -EINVAL;
    }
    if (!dax) {
        // daxsim models the DAX data path only (mount -o dax / dax=always).
        xfs_alert(*mp, "daxsim: only DAX mounts are modelled, use -o dax");
        release();
        return -EINVAL;
    }
    int err = 0;
    u64 part_off = 0;
    dax_device* dax_dev = fs_dax_get_by_bdev(&bdev, &part_off, static_cast<void*>(mp.get()),
                                             &xfs_dax_holder_operations, &err);
    if (!dax_dev) {
        if (err == -EBUSY)
            xfs_alert(*mp, "DAX device already in use?!");
        else
            xfs_alert(*mp, "DAX unsupported by block device. Turning off DAX.");
        release();
        return err ? err : -EINVAL;
    }
    mp->s_daxdev = dax_dev;
    mp->s_dax_part_off = part_off;
    if (logdev) {
        // xfs_alloc_buftarg for the log: its dax_device gets the same holder and holder_ops, so a media
        // error in the log reaches xfs_dax_notify_failure too (no dax_device: no notification).
        mp->m_logdev = logdev;
        mp->m_logdev_dax = fs_dax_get_by_bdev(logdev, &mp->m_logdev_part_off, static_cast<void*>(mp.get()),
                                              &xfs_dax_holder_operations);
    }
    // v6.8 no longer prints "DAX enabled. Warning: EXPERIMENTAL, use at your own risk" (dropped in 6.8-rc7).
    xfs_notice(*mp, fmt::format("Mounting V5 Filesystem {}", disk->sb.uuid));
    xfs_info(*mp, "Ending clean mount");
    for (auto& [ino, ip] : disk->inodes) xfs_setup_inode(*mp, *ip);
    return k.vfs().add_mount(dir, std::move(mp));
}

} // namespace daxsim::kernel
