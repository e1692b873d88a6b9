// Vfs: mounts, path lookup, regular files of the mounted file systems, and the door to the on-media images
// mkfs built (one per block device, so that mount finds the file system mkfs made). Owned by the Kernel
// (guest_api/kernel/kernel.h); one instance per simulated machine.
//
// Simplifications: one flat root directory per file system (a path below the mount point is a name in
// it); only absolute paths.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "guest_api/fs/fs.h"
#include "guest_api/kernel/types.h"

namespace daxsim::kernel {

class Kernel;
struct fiemap_extent;
struct xfs_disk;
struct vfs_super;
struct fileattr;

// remap_file_range flags (include/linux/fs.h)
inline constexpr unsigned REMAP_FILE_DEDUP = 1u << 0;
inline constexpr unsigned REMAP_FILE_CAN_SHORTEN = 1u << 1;

// What a mounted file system does for the VFS (super_operations plus the directory and inode operations
// of its root directory, in one small table).
struct super_operations {
    virtual ~super_operations() = default;
    // Root directory: 0 and *out, or -ENOENT.
    virtual int lookup(Kernel& k, vfs_super& sb, const std::string& name, std::shared_ptr<inode>* out) const = 0;
    virtual int create(Kernel& k, vfs_super& sb, const std::string& name, std::shared_ptr<inode>* out) const = 0;
    virtual int unlink(Kernel& k, vfs_super& sb, const std::string& name) const = 0;
    // inode_operations::setattr (ATTR_SIZE) and ::fiemap.
    virtual int setattr_size(Kernel& k, inode& ino, loff_t size) const = 0;
    virtual int fiemap(Kernel& k, inode& ino, std::vector<fiemap_extent>* out) const = 0;
    // file_operations::remap_file_range: bytes remapped (0 when a dedupe found different data) or -errno.
    virtual loff_t remap_file_range(Kernel& k, file& src, loff_t pos_in, file& dst, loff_t pos_out, loff_t len,
                                    unsigned remap_flags) const = 0;
    virtual int sync_fs(Kernel& k, vfs_super& sb) const = 0;
    [[nodiscard]] virtual bool is_shutdown(const vfs_super& sb) const = 0;
    // Unmount (kill_sb): releases the devices. The VFS has checked that nothing is in use.
    virtual void kill_sb(Kernel& k, vfs_super& sb) const = 0;
    // True when an open file or a mapping still uses one of its inodes (umount answers -EBUSY).
    [[nodiscard]] virtual bool busy(const vfs_super& sb) const = 0;
    // Drops inodes nobody uses any more after an unlink (iput of the last reference -> evict).
    virtual void reap_orphans(Kernel& k, vfs_super& sb) const = 0;
    // Byte offset in the file -> byte offset in the dax device; nullopt for a hole.
    [[nodiscard]] virtual std::optional<u64> file_offset_to_dax(Kernel& k, inode& ino, u64 offset) const = 0;
    // xattr_handler get/set (name with its namespace prefix, "user.foo"); value nullopt removes. 0 or -errno.
    virtual int setxattr(Kernel& /*k*/, inode& /*ino*/, const std::string& /*name*/,
                         std::optional<std::span<const std::byte>> /*value*/, int /*flags*/) const {
        return -EOPNOTSUPP;
    }
    virtual int getxattr(Kernel& /*k*/, inode& /*ino*/, const std::string& /*name*/,
                         std::string* /*value*/) const {
        return -EOPNOTSUPP;
    }
    // Byte offset in the attribute fork -> byte offset in the dax device; nullopt where it has no block.
    [[nodiscard]] virtual std::optional<u64> attr_offset_to_dax(Kernel& /*k*/, inode& /*ino*/,
                                                                u64 /*offset*/) const {
        return std::nullopt;
    }
    // inode_operations::fileattr_get / fileattr_set (FS_IOC_FSGETXATTR / FS_IOC_FSSETXATTR).
    virtual int fileattr_get(Kernel& /*k*/, inode& /*ino*/, fileattr* /*fa*/) const { return -ENOTTY; }
    virtual int fileattr_set(Kernel& /*k*/, inode& /*ino*/, const fileattr& /*fa*/) const { return -ENOTTY; }
};

// A mounted file system's super block as the VFS holds it.
struct vfs_super : super_block {
    Kernel* s_kernel = nullptr;                  // the kernel it lives in (fault handlers need it)
    const super_operations* s_op = nullptr;
    bool s_readonly = false;
};

class Vfs {
  public:
    explicit Vfs(Kernel& k);
    ~Vfs();
    Vfs(const Vfs&) = delete;
    Vfs& operator=(const Vfs&) = delete;

    // --- mounts (fs/namespace.c) ----------------------------------------------------------------
    // dir must be normalised ("/mnt/pmem", no trailing slash). -EBUSY when dir is already a mount point.
    int add_mount(const std::string& dir, std::unique_ptr<vfs_super> sb);
    std::unique_ptr<vfs_super> remove_mount(const std::string& dir);
    [[nodiscard]] vfs_super* find_mount(const std::string& dir) const;
    // The longest mount-point prefix of path, and the rest of the path below it.
    [[nodiscard]] vfs_super* resolve(const std::string& path, std::string* rest) const;
    [[nodiscard]] const std::map<std::string, std::unique_ptr<vfs_super>>& mounts() const { return mounts_; }

    // --- file system images mkfs made, by block device name ("pmem0") ---------------------------
    // Kept in the kernel's DurableMetadata (guest_api/fs/durable_metadata.h) under a key that survives a
    // reboot (where the device's bytes are), so that a new Kernel after a power cycle finds them.
    [[nodiscard]] xfs_disk* xfs_image(const std::string& bdev_name) const;
    void set_xfs_image(const std::string& bdev_name, std::unique_ptr<xfs_disk> disk);
    // The DurableMetadata key of a block device: "pmem@SPA+SIZE" for a pmem disk, "dev:NAME" otherwise.
    [[nodiscard]] std::string durable_key(const std::string& bdev_name) const;

  private:
    Kernel& k_;
    std::map<std::string, std::unique_ptr<vfs_super>> mounts_;
};

// "/mnt//pmem/" -> "/mnt/pmem"; empty for a relative path.
[[nodiscard]] std::string vfs_normalize_path(const std::string& path);

} // namespace daxsim::kernel
