// mkfs.xfs options beyond guest_api/admin.h's MkfsOptions: an external log device (-l logdev=DEV) and
// stripe alignment (-d su=BYTES,sw=N). mkfs_xfs(k, dev, opts) is xfs_mkfs(k, dev, opts, {}).
#pragma once

#include <string>

#include "guest_api/admin.h"
#include "guest_api/kernel/types.h"

namespace daxsim::kernel {

class Kernel;

struct xfs_mkfs_geometry {
    std::string logdev;        // "/dev/pmem1": the log goes there instead of inside the data device
    u64 log_size = 0;          // -l size= (bytes); 0: mkfs's default
    u64 stripe_unit = 0;       // -d su= (bytes, a multiple of the block size); 0: none
    unsigned stripe_width = 0; // -d sw= (stripe units per stripe); needs su
};

// 0, -ENOENT (no such device), -EBUSY (in use), -EINVAL (bad geometry: su not a multiple of the block
// size, sw without su, the log device is the data device, too small a log device), -EEXIST.
int xfs_mkfs(Kernel& k, const std::string& dev_path, const MkfsOptions& opts, const xfs_mkfs_geometry& geo);

} // namespace daxsim::kernel
