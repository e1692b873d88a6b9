// drivers/dax/super.c: dax_device liveness, direct access, and the holder chain (v6.8: holder added
// by 8012b86608, MF_MEM_PRE_REMOVE on kill_dax since 6.8).
#include "guest_api/kernel/errno.h"

#include <algorithm>
#include <limits>

#include "guest_api/arch/copy_mc.h"
#include "guest_api/block/blkdev.h"
#include "guest_api/drivers/dax/dax.h"
#include "guest_api/kernel/kernel.h"
#include "guest_api/kernel/layer_timer.h"
#include "guest_api/mm/memory_failure.h"
#include "guest_api/mm/mf_flow.h"

namespace daxsim::kernel {

bool dax_alive(const dax_device* dax_dev) { return dax_dev != nullptr && dax_dev->alive; }

long dax_direct_access(Kernel& k, dax_device* dax_dev, pgoff_t pgoff, long nr_pages, dax_access_mode mode,
                       u64* pfn) {
    if (dax_dev == nullptr || dax_dev->ops == nullptr) return -EOPNOTSUPP;
    if (!dax_alive(dax_dev)) return -ENXIO;
    if (nr_pages < 0) return -EINVAL;
    const long avail = dax_dev->ops->direct_access(k, dax_dev, pgoff, nr_pages, mode, pfn);
    if (avail == 0) return -ERANGE;
    return std::min(avail, nr_pages);
}

int dax_zero_page_range(Kernel& k, dax_device* dax_dev, pgoff_t pgoff, std::size_t nr_pages) {
    if (!dax_alive(dax_dev)) return -ENXIO;
    if (dax_dev->ops == nullptr) return -EOPNOTSUPP;
    return dax_dev->ops->zero_page_range(k, dax_dev, pgoff, nr_pages);
}

std::size_t dax_operations::recovery_write(Kernel& k, dax_device*, pgoff_t, u64 spa,
                                           std::span<const std::byte> src) const {
    memcpy_flushcache(k, spa, src);
    return src.size();
}

std::size_t dax_recovery_write(Kernel& k, dax_device* dax_dev, pgoff_t pgoff, u64 spa, std::span<const std::byte> src) {
    if (!dax_alive(dax_dev) || dax_dev->ops == nullptr) return 0;
    return dax_dev->ops->recovery_write(k, dax_dev, pgoff, spa, src);
}

int dax_holder_notify_failure(Kernel& k, dax_device* dax_dev, u64 off, u64 len, int mf_flags) {
    if (!dax_alive(dax_dev)) return -ENXIO;
    if (dax_dev->holder_ops == nullptr) return -EOPNOTSUPP;
    LayerScope scope(k, "dax_holder", "dax_holder_notify_failure " + dax_dev->name);
    k.cpu_work(k.config().cost.holder_ns);
    mf_flow_step(k, "kernel.dax_holder");
    return dax_dev->holder_ops->notify_failure(k, dax_dev, off, len, mf_flags);
}

dax_device* fs_dax_get_by_bdev(block_device* bdev, u64* start_off, void* holder,
                               const dax_holder_operations* ops, int* err) {
    auto fail = [err](int e) -> dax_device* {
        if (err) *err = e;
        return nullptr;
    };
    if (bdev == nullptr || bdev->dax_dev == nullptr) return fail(-EOPNOTSUPP);
    // The kernel refuses partitions that are not page aligned inside the dax device.
    if (bdev->dax_offset % PAGE_SIZE != 0 || bdev->size_bytes() % PAGE_SIZE != 0) return fail(-EINVAL);
    dax_device* dax_dev = bdev->dax_dev;
    if (!dax_alive(dax_dev)) return fail(-ENXIO);
    if (holder != nullptr) {
        // One holder at a time (cmpxchg on holder_data in the kernel).
        if (dax_dev->holder_data != nullptr) return fail(-EBUSY);
        dax_dev->holder_data = holder;
        dax_dev->holder_ops = ops;
    }
    if (start_off) *start_off = bdev->dax_offset;
    if (err) *err = 0;
    return dax_dev;
}

void fs_put_dax(dax_device* dax_dev, void* holder) {
    if (dax_dev == nullptr || holder == nullptr) return;
    if (dax_dev->holder_data == holder) {
        dax_dev->holder_data = nullptr;
        dax_dev->holder_ops = nullptr;
    }
}

void kill_dax(Kernel& k, dax_device* dax_dev) {
    if (dax_dev == nullptr) return;
    // v6.8: the holder learns first that the whole device is going (offset 0, length U64_MAX, as the
    // kernel passes it), so a file system can shut down and unmap before the pages disappear.
    if (dax_dev->holder_data != nullptr)
        (void)dax_holder_notify_failure(k, dax_dev, 0, std::numeric_limits<u64>::max(), MF_MEM_PRE_REMOVE);
    dax_dev->alive = false;
    dax_dev->holder_ops = nullptr;
    dax_dev->holder_data = nullptr;
}

} // namespace daxsim::kernel
