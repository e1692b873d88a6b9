// dax_device and its holder (include/linux/dax.h, drivers/dax/super.c after commit 8012b86608
// "dax: introduce holder for dax_device"). A dax_device has at most one holder: a file system or a
// mapped device. notify_failure walks from the device that saw the failure to its holder, which may
// forward to its own holder (device-mapper), down to the file system that owns the blocks.
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "guest_api/kernel/types.h"

namespace daxsim::kernel {

class Kernel;
struct block_device;
struct dax_device;

// MF_MEM_PRE_REMOVE etc. travel in mf_flags (see mm/memory_failure.h).
struct dax_holder_operations {
    virtual ~dax_holder_operations() = default;
    // offset and len are bytes inside `dax_dev`. Returns 0, or -errno (-EOPNOTSUPP: cannot tell
    // the owners, the caller falls back to the generic page->mapping path).
    virtual int notify_failure(Kernel& k, dax_device* dax_dev, u64 offset, u64 len, int mf_flags) const = 0;
};

// dax_operations: what the driver below (pmem, device-mapper) provides.
enum class dax_access_mode { DAX_ACCESS, DAX_RECOVERY_WRITE };

struct dax_operations {
    virtual ~dax_operations() = default;
    // Translate pgoff (pages into the dax device) to a pfn; returns how many pages are contiguous from
    // there (<= nr_pages) or -errno (-EHWPOISON: badblocks in range and mode != DAX_RECOVERY_WRITE,
    // -ERANGE: beyond the device).
    virtual long direct_access(Kernel& k, dax_device* dax_dev, pgoff_t pgoff, long nr_pages,
                               dax_access_mode mode, u64* pfn) const = 0;
    // Zero a page range, clearing poison where the driver can (pmem: firmware clear error).
    virtual int zero_page_range(Kernel& k, dax_device* dax_dev, pgoff_t pgoff, std::size_t nr_pages) const = 0;
    // Write `src` at `spa` (inside pgoff's page) after a DAX_RECOVERY_WRITE direct_access: the driver clears
    // the poison first where it can. Returns the bytes written; 0 when it cannot recover (pmem: only a whole,
    // page-aligned page). The default writes without clearing anything.
    virtual std::size_t recovery_write(Kernel& k, dax_device* dax_dev, pgoff_t pgoff, u64 spa,
                                       std::span<const std::byte> src) const;
};

struct dax_device {
    std::string name;                           // "pmem0", "dm-0", "dax0.0"
    u64 nr_pages = 0;
    bool alive = true;                          // cleared by kill_dax
    const dax_operations* ops = nullptr;
    void* private_data = nullptr;               // the driver's device (pmem_device, mapped_device)
    void* holder_data = nullptr;                // the holder (xfs_mount, mapped_device), or nullptr
    const dax_holder_operations* holder_ops = nullptr;
};

// drivers/dax/super.c
[[nodiscard]] bool dax_alive(const dax_device* dax_dev);
long dax_direct_access(Kernel& k, dax_device* dax_dev, pgoff_t pgoff, long nr_pages, dax_access_mode mode,
                       u64* pfn);
int dax_zero_page_range(Kernel& k, dax_device* dax_dev, pgoff_t pgoff, std::size_t nr_pages);
// dax_recovery_write(): the driver's recovery_write, 0 when the device is dead.
std::size_t dax_recovery_write(Kernel& k, dax_device* dax_dev, pgoff_t pgoff, u64 spa, std::span<const std::byte> src);
// -ENXIO when not alive, -EOPNOTSUPP when no holder, else the holder's answer.
int dax_holder_notify_failure(Kernel& k, dax_device* dax_dev, u64 off, u64 len, int mf_flags);
// Claims bdev's dax_device for `holder` (one holder at a time: -EBUSY as nullptr + *err). *start_off is
// the byte offset of the bdev inside the dax device.
dax_device* fs_dax_get_by_bdev(block_device* bdev, u64* start_off, void* holder,
                               const dax_holder_operations* ops, int* err = nullptr);
void fs_put_dax(dax_device* dax_dev, void* holder);
// Marks the device dead; with a holder, first notify_failure(MF_MEM_PRE_REMOVE) over the whole device.
void kill_dax(Kernel& k, dax_device* dax_dev);

} // namespace daxsim::kernel
