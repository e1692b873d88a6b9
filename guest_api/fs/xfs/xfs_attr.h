// Extended attributes (fs/xfs/libxfs/xfs_attr.c, xfs_attr_leaf.c, xfs_attr_remote.c): the attribute
// fork of an inode in the three shapes XFS gives it. Small attributes live in the inode itself
// (shortform, XFS_DINODE_FMT_LOCAL, after the data fork in the literal area); when they no longer fit,
// the fork becomes one leaf block at attr fork block 0 holding names and small values, and a value too
// large for the leaf goes to remote value blocks after it (each with a 56-byte xfs_attr3_rmt_hdr).
// Attr fork blocks come from the AG allocator and are owned in the rmapbt by the inode with
// XFS_RMAP_ATTR_FORK, so a media error in one of them is a metadata failure (xfs_dax_notify_failure
// shuts the file system down).
//
// Simplification: one leaf block at most (node-format attr forks are not modelled: an attribute that
// would need a second leaf fails with -ENOSPC and changes nothing).
#pragma once

#include <sys/xattr.h> // XATTR_CREATE, XATTR_REPLACE: the C library's constants

#include <optional>
#include <span>
#include <string>

#include "guest_api/fs/xfs/xfs_mount.h"

namespace daxsim::kernel {

inline constexpr unsigned XFS_LITINO_V3 = 512 - 176;    // literal area of a 512-byte v3 inode
inline constexpr unsigned XFS_ATTR3_RMT_HDR_SIZE = 56;  // sizeof(struct xfs_attr3_rmt_hdr)
inline constexpr unsigned XFS_ATTR3_LEAF_HDR_SIZE = 80; // sizeof(struct xfs_attr3_leaf_hdr)
inline constexpr u32 XFS_ATTR3_LEAF_MAGIC = 0x3bee;
inline constexpr u32 XFS_ATTR3_RMT_MAGIC = 0x5841524d; // "XARM"
// xfs_attr_set / xfs_attr_change: creates or replaces name's value; 0, -EEXIST / -ENODATA (flags),
// -ENOSPC, -EIO (shut down).
int xfs_attr_set(xfs_mount& mp, xfs_inode& ip, const std::string& name, std::span<const std::byte> value,
                 int flags);
// xfs_attr_get: the value (remote values are read from the media, machine-check safe: -EIO on poison).
int xfs_attr_get(xfs_mount& mp, xfs_inode& ip, const std::string& name, std::string* value);
// Removes name: 0, -ENODATA.
int xfs_attr_remove(xfs_mount& mp, xfs_inode& ip, const std::string& name);
// xfs_attr_inactive: frees the whole attr fork of an inode being freed.
void xfs_attr_inactive(xfs_mount& mp, xfs_inode& ip);
// Byte offset of the attr fork's byte `offset` on the dax device; nullopt where the fork has no block.
[[nodiscard]] std::optional<u64> xfs_attr_offset_to_dax(const xfs_inode& ip, u64 offset);

} // namespace daxsim::kernel
