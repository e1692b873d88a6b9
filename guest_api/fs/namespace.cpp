// mount(8)/umount(8) and the address lookups of `inject poison` (fs/namespace.c).
#include "guest_api/kernel/errno.h"

#include <sstream>

#include "guest_api/admin.h"
#include "guest_api/block/blkdev.h"
#include "guest_api/drivers/dax/dax.h"
#include "guest_api/fs/internal.h"
#include "guest_api/fs/xfs/xfs_mount.h"
#include "guest_api/fs/xfs/xfs_super.h"
#include "guest_api/kernel/kernel.h"

namespace daxsim::kernel {
namespace {

std::optional<u64> dax_offset_to_spa(Kernel& k, dax_device* dax_dev, u64 dax_off) {
    if (!dax_dev) return std::nullopt;
    u64 pfn = 0;
    // Recovery mode: the lookup must work for blocks already known bad.
    if (dax_direct_access(k, dax_dev, dax_off >> PAGE_SHIFT, 1, dax_access_mode::DAX_RECOVERY_WRITE, &pfn) <= 0)
        return std::nullopt;
    return PFN_PHYS(pfn) + (dax_off & (PAGE_SIZE - 1));
}

} // namespace

int do_mount(Kernel& k, const std::string& dev_path, const std::string& dir, const std::string& options) {
    k.cpu_work(k.config().cost.syscall_ns);
    bool dax = false;
    bool ro = false;
    std::string logdev_path;
    std::stringstream opts(options);
    for (std::string opt; std::getline(opts, opt, ',');) {
        if (opt.empty() || opt == "rw" || opt == "defaults") continue;
        if (opt.starts_with("logdev="))
            logdev_path = opt.substr(7);
        else if (opt == "dax" || opt == "dax=always")
            dax = true;
        else if (opt == "dax=never" || opt == "dax=inode") dax = false;
        else if (opt == "ro") ro = true;
        else return -EINVAL;   // xfs: "unknown mount option"
    }
    const std::string mdir = vfs_normalize_path(dir);
    if (mdir.empty()) return -ENOENT;
    const std::string prefix = "/dev/";
    if (!dev_path.starts_with(prefix)) return -ENOENT;
    const auto node = k.dev_nodes().find(dev_path.substr(prefix.size()));
    if (node == k.dev_nodes().end()) return -ENOENT;
    if (!node->second.bdev) return -EINVAL;   // not a block device (mount says ENOTBLK)
    if (k.vfs().find_mount(mdir)) return -EBUSY;
    block_device* logdev = nullptr;
    if (!logdev_path.empty()) {
        // xfs_blkdev_get: the log device is opened by path, exclusively, with the fs as holder.
        if (!logdev_path.starts_with(prefix)) return -ENOENT;
        const auto lnode = k.dev_nodes().find(logdev_path.substr(prefix.size()));
        if (lnode == k.dev_nodes().end()) return -ENOENT;
        if (!lnode->second.bdev) return -ENOTBLK;
        logdev = lnode->second.bdev;
    }
    return xfs_fs_mount(k, *node->second.bdev, mdir, dax, ro, logdev);
}

int do_umount(Kernel& k, const std::string& dir) {
    k.cpu_work(k.config().cost.syscall_ns);
    const std::string mdir = vfs_normalize_path(dir);
    vfs_super* sb = k.vfs().find_mount(mdir);
    if (!sb) return -EINVAL;
    sb->s_op->reap_orphans(k, *sb);
    if (sb->s_op->busy(*sb)) return -EBUSY;
    sb->s_op->kill_sb(k, *sb);
    k.vfs().remove_mount(mdir);
    return 0;
}

bool fs_is_mounted(Kernel& k, const std::string& dir) {
    return k.vfs().find_mount(vfs_normalize_path(dir)) != nullptr;
}

bool fs_is_shutdown(Kernel& k, const std::string& dir) {
    const vfs_super* sb = k.vfs().find_mount(vfs_normalize_path(dir));
    return sb && sb->s_op->is_shutdown(*sb);
}

std::optional<u64> file_offset_to_spa(Kernel& k, const std::string& path, u64 offset) {
    std::string rest;
    const std::string norm = vfs_normalize_path(path);
    vfs_super* sb = norm.empty() ? nullptr : k.vfs().resolve(norm, &rest);
    if (!sb || rest.empty()) return std::nullopt;
    std::shared_ptr<inode> ino;
    if (sb->s_op->lookup(k, *sb, rest, &ino) != 0) return std::nullopt;
    const auto dax_off = sb->s_op->file_offset_to_dax(k, *ino, offset);
    if (!dax_off) return std::nullopt;
    return dax_offset_to_spa(k, sb->s_daxdev, *dax_off);
}

std::optional<u64> fs_metadata_spa(Kernel& k, const std::string& dir, const std::string& kind, unsigned ag) {
    vfs_super* sb = k.vfs().find_mount(vfs_normalize_path(dir));
    if (!sb || sb->s_op != &xfs_super_operations) return std::nullopt;
    const auto& mp = static_cast<const xfs_mount&>(*sb);
    xfs_meta_kind mk{};
    if (!xfs_meta_kind_from_name(kind, &mk)) return std::nullopt;
    xfs_fsblock_t fsb = 0;
    u64 off = 0;
    if (mk == xfs_meta_kind::log && mp.m_logdev_dax) { // external log: its first block on the log device
        if (ag >= mp.sb().sb_agcount) return std::nullopt;
        return dax_offset_to_spa(k, mp.m_logdev_dax, mp.m_logdev_part_off);
    }
    if (!xfs_meta_location(mp.sb(), mk, ag, &fsb, &off)) return std::nullopt;
    return dax_offset_to_spa(k, mp.s_daxdev, xfs_fsb_to_bdev_bytes(mp.sb(), fsb) + off + mp.s_dax_part_off);
}

} // namespace daxsim::kernel
