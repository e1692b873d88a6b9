// drivers/nvdimm/pmem.c (v6.8): the pmem block device, its dax_operations and its pgmap
// memory_failure hook.
#include "guest_api/kernel/errno.h"

#include "guest_api/drivers/nvdimm/pmem.h"

#include <algorithm>
#include <array>
#include <vector>

#include "guest_api/arch/copy_mc.h"
#include "guest_api/drivers/dax/bus.h"
#include "guest_api/drivers/nvdimm/bus.h"
#include "guest_api/drivers/nvdimm/nd.h"
#include "guest_api/kernel/kernel.h"
#include "guest_api/kernel/layer_timer.h"
#include "guest_api/mm/mf_flow.h"
#include "guest_api/mm/mm_subsystem.h"

namespace daxsim::kernel {

namespace {

constexpr u64 SECTOR_SIZE = u64{1} << SECTOR_SHIFT;

pmem_device* to_pmem(const block_device& bdev) { return static_cast<pmem_device*>(bdev.bd_disk_private); }
pmem_device* to_pmem(const dax_device* dax_dev) { return static_cast<pmem_device*>(dax_dev->private_data); }

// Byte offset from the namespace start of a bdev sector.
u64 to_offset(const pmem_device& pmem, sector_t sector) { return (sector << SECTOR_SHIFT) + pmem.data_offset; }

bool is_bad_pmem(const badblocks& bb, sector_t sector, u64 len) {
    if (bb.count() == 0) return false;
    const u64 sectors = (len + SECTOR_SIZE - 1) >> SECTOR_SHIFT;
    return badblocks_check(bb, sector, sectors) != 0;
}

// pmem_do_read(): known bad sectors fail without touching the media; unknown poison is consumed by the
// machine-check-safe copy and fails the same way.
int pmem_do_read(Kernel& k, pmem_device& pmem, sector_t sector, std::span<std::byte> buf) {
    if (is_bad_pmem(pmem.bb, sector, buf.size())) return -EIO;
    const std::size_t rem = copy_mc_to_kernel(k, buf, pmem.phys_addr + to_offset(pmem, sector));
    return rem ? -EIO : 0;
}

// pmem_do_write(): poison under a whole-sector write is cleared first, then the data goes in with
// non-temporal stores and a fence (write_pmem + the REQ_FUA/flush ordering).
int pmem_do_write(Kernel& k, pmem_device& pmem, sector_t sector, std::span<const std::byte> buf) {
    const u64 off = to_offset(pmem, sector);
    if (is_bad_pmem(pmem.bb, sector, buf.size()))
        if (const int rc = pmem_clear_poison(k, pmem, off, buf.size()); rc < 0) return rc;
    memcpy_flushcache(k, pmem.phys_addr + off, buf);
    pmem_wmb(k);
    return 0;
}

struct PmemBlockOps final : block_device_operations {
    int read_sectors(Kernel& k, block_device& bdev, sector_t sector, std::span<std::byte> buf) const override {
        return pmem_do_read(k, *to_pmem(bdev), sector, buf);
    }
    int write_sectors(Kernel& k, block_device& bdev, sector_t sector, std::span<const std::byte> buf) const override {
        return pmem_do_write(k, *to_pmem(bdev), sector, buf);
    }
};

struct PmemDaxOps final : dax_operations {
    // __pmem_direct_access() (v5.18+): -EHWPOISON over known bad sectors unless the caller is a
    // recovery write, which gets the good pages up to the first bad one (at least one page).
    long direct_access(Kernel&, dax_device* dax_dev, pgoff_t pgoff, long nr_pages, dax_access_mode mode,
                       u64* pfn) const override {
        const pmem_device& pmem = *to_pmem(dax_dev);
        const u64 offset = PFN_PHYS(pgoff) + pmem.data_offset;
        const sector_t sector = PFN_PHYS(pgoff) >> SECTOR_SHIFT;
        const u64 num = PFN_PHYS(static_cast<u64>(nr_pages)) >> SECTOR_SHIFT;
        if (offset >= pmem.size - pmem.pfn_pad) return 0;
        if (pfn) *pfn = PHYS_PFN(pmem.phys_addr + offset);
        sector_t first_bad = 0;
        if (pmem.bb.count() && badblocks_check(pmem.bb, sector, num, &first_bad)) {
            if (mode != dax_access_mode::DAX_RECOVERY_WRITE) return -EHWPOISON;
            // One kernel page at a time: firmware clear-error is not trusted with large chunks.
            const long actual_nr = static_cast<long>(
                PHYS_PFN(((first_bad - sector) << SECTOR_SHIFT) + PAGE_SIZE - 1));
            return actual_nr ? actual_nr : 1;
        }
        if (pmem.bb.count()) return nr_pages;
        return static_cast<long>(PHYS_PFN(pmem.size - pmem.pfn_pad - offset));
    }
    // pmem_recovery_write(): outside known bad sectors a plain write; over them only a whole, page-aligned
    // page can be recovered: clear the poison through the firmware, then write.
    // Like the kernel, the bad-sector test covers len / 512 sectors from the page's first sector
    // (is_bad_pmem(PFN_PHYS(pgoff) / 512, len)).
    std::size_t recovery_write(Kernel& k, dax_device* dax_dev, pgoff_t pgoff, u64 spa,
                               std::span<const std::byte> src) const override {
        pmem_device& pmem = *to_pmem(dax_dev);
        const u64 offset = spa - pmem.phys_addr;
        sector_t first_bad = 0;
        if (!pmem.bb.count() ||
            !badblocks_check(pmem.bb, PFN_PHYS(pgoff) >> SECTOR_SHIFT, src.size() >> SECTOR_SHIFT, &first_bad)) {
            memcpy_flushcache(k, spa, src);
            return src.size();
        }
        if ((spa & (PAGE_SIZE - 1)) != 0 || src.size() != PAGE_SIZE) return 0;  // "not page aligned"
        if (pmem_clear_poison(k, pmem, offset, PAGE_SIZE) < 0) return 0;
        memcpy_flushcache(k, spa, src);
        return src.size();
    }
    int zero_page_range(Kernel& k, dax_device* dax_dev, pgoff_t pgoff, std::size_t nr_pages) const override {
        static const std::array<std::byte, PAGE_SIZE> zero{};
        pmem_device& pmem = *to_pmem(dax_dev);
        for (std::size_t i = 0; i < nr_pages; ++i)
            if (const int rc = pmem_do_write(k, pmem, PFN_PHYS(pgoff + i) >> SECTOR_SHIFT, zero); rc < 0) return rc;
        return 0;
    }
};

// pmem_pagemap_memory_failure(): the pfn as a byte offset inside the dax device, to the holder.
struct PmemPagemapOps final : dev_pagemap_ops {
    int memory_failure(Kernel& k, dev_pagemap* pgmap, u64 pfn, unsigned long nr_pages, int mf_flags) const override {
        pmem_device& pmem = *static_cast<pmem_device*>(pgmap->owner);
        LayerScope scope(k, "pmem", "pmem_pagemap_memory_failure " + pmem.bdev.name);
        k.cpu_work(k.config().cost.pgmap_ns);
        mf_flow_step(k, "kernel.pmem");
        const u64 offset = PFN_PHYS(pfn) - pmem.phys_addr - pmem.data_offset;
        const u64 len = u64{nr_pages} << PAGE_SHIFT;
        return dax_holder_notify_failure(k, pmem.dax_dev, offset, len, mf_flags);
    }
};

const PmemBlockOps pmem_block_ops;
const PmemDaxOps pmem_dax_ops;
const PmemPagemapOps pmem_pagemap_ops;

} // namespace

int pmem_clear_poison(Kernel& k, pmem_device& pmem, u64 offset, u64 len) {
    const u64 spa = pmem.phys_addr + offset;
    // nvdimm_clear_poison(): the ACPI clear-uncorrectable-error DSM; the media zeroes what it clears.
    const u64 cleared = k.firmware().clear_error(spa, len);
    if (cleared > 0) {
        // pmem_clear_bb(): only whole sectors inside what the firmware cleared become good.
        const u64 first = (spa + SECTOR_SIZE - 1) & ~(SECTOR_SIZE - 1);
        const u64 last = (spa + cleared) & ~(SECTOR_SIZE - 1);
        if (last > first) nvdimm_badblocks_clear(k, first, last - first);
    }
    return cleared < len ? -EIO : 0;
}

int pmem_attach_disk(Kernel& k, nd_namespace& ns) {
    auto pmem = std::make_unique<pmem_device>();
    pmem->ns = &ns;
    pmem->phys_addr = ns.spa;
    pmem->size = ns.size;
    pmem->data_offset = ns.data_offset;
    pmem->pfn_pad = ns.size - ns.data_offset - ns.data_size;

    // The pages of the whole namespace; with map=dev the memmap occupies its front (altmap).
    pmem->pgmap.type = memory_type::MEMORY_DEVICE_FS_DAX;
    pmem->pgmap.range_start = ns.spa;
    pmem->pgmap.range_end = ns.spa + ns.size;
    pmem->pgmap.ops = &pmem_pagemap_ops;
    pmem->pgmap.owner = pmem.get();
    if (!ns.map_mem) {
        pmem->pgmap.has_altmap = true;
        pmem->pgmap.altmap.base_pfn = PHYS_PFN(ns.spa);
        pmem->pgmap.altmap.reserve = PHYS_PFN(8192);
        pmem->pgmap.altmap.free = PHYS_PFN(ns.data_offset) - pmem->pgmap.altmap.reserve;
    }
    if (const int rc = memremap_pages(k, &pmem->pgmap); rc < 0) return rc;

    pmem->bdev.name = ns.blockdev;
    pmem->bdev.nr_sectors = pmem->data_size() >> SECTOR_SHIFT;
    pmem->bdev.fops = &pmem_block_ops;
    pmem->bdev.bd_disk_private = pmem.get();
    pmem->dax_dev = k.dax().alloc_dax(ns.blockdev, PHYS_PFN(pmem->data_size()), &pmem_dax_ops, pmem.get());
    pmem->bdev.dax_dev = pmem->dax_dev;
    bdev_alloc_inode(pmem->bdev);

    // nvdimm_badblocks_populate(): what the region already knows about this range.
    for (const badblock_range& r : badblocks_list(k.nvdimm().regions().at(static_cast<std::size_t>(ns.region_id))->bb)) {
        const nd_region& region = *k.nvdimm().regions().at(static_cast<std::size_t>(ns.region_id));
        const u64 s = std::max(region.spa_start + (r.start << SECTOR_SHIFT), pmem->data_spa());
        const u64 e = std::min(region.spa_start + ((r.start + r.len) << SECTOR_SHIFT), pmem->data_spa() + pmem->data_size());
        if (s < e) badblocks_set(pmem->bb, (s - pmem->data_spa()) >> SECTOR_SHIFT, (e - s) >> SECTOR_SHIFT);
    }

    DeviceNode node;
    node.bdev = &pmem->bdev;
    node.fops = &def_blk_fops();
    k.dev_nodes()[ns.blockdev] = node;
    ns.pmem = std::move(pmem);
    return 0;
}

void pmem_detach_disk(Kernel& k, nd_namespace& ns) {
    if (!ns.pmem) return;
    pmem_device& pmem = *ns.pmem;
    // v6.8 pmem_release_disk(): the holder hears MF_MEM_PRE_REMOVE before the device goes.
    kill_dax(k, pmem.dax_dev);
    // del_gendisk(): the disk's holder (a mounted file system) is told the device is dead.
    bdev_mark_dead(k, pmem.bdev, false);
    k.dax().put_dax(pmem.dax_dev);
    k.dev_nodes().erase(pmem.bdev.name);
    memunmap_pages(k, &pmem.pgmap);
    pmem.bdev.fops = nullptr;
    k.nvdimm().retire(std::move(ns.pmem));
}

} // namespace daxsim::kernel
