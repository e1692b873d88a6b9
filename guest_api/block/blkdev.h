// Block devices (include/linux/blkdev.h, blk_types.h): /dev/pmem0, /dev/dm-0. DAX file systems only use
// them to find their dax_device and to claim the device exclusively.
#pragma once

#include <string>

#include "guest_api/kernel/types.h"

namespace daxsim::kernel {

struct dax_device;

struct block_device {
    std::string name;            // "pmem0", "dm-0"; the node is /dev/<name> (dm also /dev/mapper/<alias>)
    sector_t nr_sectors = 0;     // capacity in 512-byte sectors
    dax_device* dax_dev = nullptr; // nullptr when the device cannot do DAX
    u64 dax_offset = 0;          // byte offset of sector 0 inside dax_dev (partitions, dm targets)
    const void* bd_holder = nullptr; // exclusive claimer (a super_block, a mapped_device); EBUSY for others
    bool read_only = false;

    [[nodiscard]] u64 size_bytes() const { return nr_sectors << SECTOR_SHIFT; }
};

// Exclusive open (blkdev_get_by_path with FMODE_EXCL / bdev_open_by_path with a holder): 0 or -EBUSY.
int bd_claim(block_device& bdev, const void* holder);
void bd_release(block_device& bdev, const void* holder);

} // namespace daxsim::kernel
