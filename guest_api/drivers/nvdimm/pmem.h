// drivers/nvdimm/pmem.{h,c}: the pmem driver bound to an fsdax namespace: block device pmemN with a
// byte path through the CPU (reads machine-check safe, writes clearing known poison), a dax_device
// pmemN for DAX, and a MEMORY_DEVICE_FS_DAX dev_pagemap whose memory_failure hook hands the failure
// to the dax holder (the file system) as a byte offset inside the device.
#pragma once

#include <string>

#include "guest_api/block/blkdev.h"
#include "guest_api/drivers/dax/dax.h"
#include "guest_api/drivers/nvdimm/badblocks.h"
#include "guest_api/kernel/types.h"
#include "guest_api/mm/memremap.h"

namespace daxsim::kernel {

class Kernel;
struct nd_namespace;

struct pmem_device {
    nd_namespace* ns = nullptr;
    u64 phys_addr = 0;      // SPA of the namespace's first byte
    u64 size = 0;           // raw namespace size
    u64 data_offset = 0;    // pfn info block and memmap in front of the data
    u64 pfn_pad = 0;        // bytes past the data not exposed (alignment truncation)
    badblocks bb;           // sectors from the first data byte (bdev sector 0)
    block_device bdev;
    dax_device* dax_dev = nullptr;
    dev_pagemap pgmap;

    [[nodiscard]] u64 data_spa() const { return phys_addr + data_offset; }
    [[nodiscard]] u64 data_size() const { return size - data_offset - pfn_pad; }
};

// nd_pmem_probe / pmem_attach_disk: 0 or -errno; registers /dev/<name>.
int pmem_attach_disk(Kernel& k, nd_namespace& ns);
// Driver unbind (pmem_release_disk and devm teardown): kill_dax first (MF_MEM_PRE_REMOVE to the
// holder), then the disk, the node and the pages go.
void pmem_detach_disk(Kernel& k, nd_namespace& ns);
// pmem_clear_poison(): clears poison over [offset, offset + len) (bytes from the namespace start)
// through the firmware and drops the cleared sectors from badblocks. 0, or -EIO when not all cleared.
int pmem_clear_poison(Kernel& k, pmem_device& pmem, u64 offset, u64 len);

} // namespace daxsim::kernel
