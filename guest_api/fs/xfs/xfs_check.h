// A consistency checker in the spirit of `xfs_repair -n` (xfsprogs repair/ phases 4 and 5): it reads
// the image of a file system and reports, without changing anything, every place where the inode
// forks, the reverse-mapping btree, the reference-count btree and the free-space btree disagree.
//
// What it checks, per AG:
//  - every data, attr and CoW fork extent has an rmap record with its owner, file offset and length,
//    and every rmap record has an owner that exists (an inode fork extent or the static metadata mkfs
//    laid out);
//  - the refcountbt holds exactly the blocks that two or more data fork mappings share, with their
//    count, and the CoW staging extents of the CoW forks;
//  - free space and used space do not overlap and together cover the AG.
// Problems are worded as xfs_repair words them, one string each; an empty list means consistent.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "guest_api/fs/xfs/xfs_mount.h"

namespace daxsim::kernel {

[[nodiscard]] std::vector<std::string> xfs_check_disk(const xfs_disk& disk);

// Every mounted XFS (shut down or not), by mount point: its problems (empty when it checks clean).
[[nodiscard]] std::map<std::string, std::vector<std::string>> xfs_check_mounts(Kernel& k);

} // namespace daxsim::kernel
