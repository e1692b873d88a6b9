// Memory failure notification from the dax_device to XFS (fs/xfs/xfs_notify_failure.c, v6.8).
#pragma once

#include "guest_api/drivers/dax/dax.h"

namespace daxsim::kernel {

// The holder ops XFS registers with fs_dax_get_by_bdev at mount.
extern const dax_holder_operations& xfs_dax_holder_operations;

} // namespace daxsim::kernel
