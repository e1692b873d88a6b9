// ZONE_DEVICE memory: struct page and dev_pagemap (include/linux/mm_types.h, include/linux/memremap.h).
// Persistent memory has no struct page until a driver calls memremap_pages(); the pages then exist only
// for the pfns of that dev_pagemap, which is how memory_failure() tells pmem from "memory outside kernel
// control".
#pragma once

#include "guest_api/kernel/types.h"

namespace daxsim::kernel {

class Kernel;
struct address_space;
struct dev_pagemap;

// page->flags bits (include/linux/page-flags.h); only the one memory failure needs.
inline constexpr unsigned long PG_hwpoison = 1ul << 0;

struct page {
    u64 pfn = 0;
    unsigned long flags = 0;
    address_space* mapping = nullptr;  // owner file (device-dax inode, DAX file) or nullptr
    pgoff_t index = 0;                 // page offset of this page inside `mapping`
    dev_pagemap* pgmap = nullptr;      // every page here is ZONE_DEVICE
};

[[nodiscard]] inline bool PageHWPoison(const page* p) { return (p->flags & PG_hwpoison) != 0; }
inline void SetPageHWPoison(page* p) { p->flags |= PG_hwpoison; }
inline void ClearPageHWPoison(page* p) { p->flags &= ~PG_hwpoison; }
// Returns the previous state, as the kernel's test_and_set_bit does.
inline bool TestSetPageHWPoison(page* p) {
    const bool was = PageHWPoison(p);
    SetPageHWPoison(p);
    return was;
}

enum class memory_type {
    MEMORY_DEVICE_PRIVATE = 1,
    MEMORY_DEVICE_COHERENT,
    MEMORY_DEVICE_FS_DAX,     // pmem in fsdax mode
    MEMORY_DEVICE_GENERIC,    // device-dax
    MEMORY_DEVICE_PCI_P2PDMA,
};

// What the driver does when memory_failure() hits one of its pages (pmem: hand the failure to the
// dax holder). A pgmap without ops (device-dax) makes memory_failure() use the generic path.
struct dev_pagemap_ops {
    virtual ~dev_pagemap_ops() = default;
    // 0 when handled, -EOPNOTSUPP to fall back to mf_generic_kill_procs, else -errno.
    virtual int memory_failure(Kernel& k, dev_pagemap* pgmap, u64 pfn, unsigned long nr_pages,
                               int mf_flags) const = 0;
};

// Pages at the front of the range that hold the memmap itself (ndctl --map=dev): vmem_altmap.
struct vmem_altmap {
    u64 base_pfn = 0;
    u64 reserve = 0;  // pages before the memmap (the pfn info block)
    u64 free = 0;     // pages holding struct pages
};

struct dev_pagemap {
    memory_type type = memory_type::MEMORY_DEVICE_FS_DAX;
    u64 range_start = 0;              // physical, [range_start, range_end)
    u64 range_end = 0;
    bool has_altmap = false;
    vmem_altmap altmap;
    unsigned vmemmap_shift = 0;       // compound page order (device-dax align), 0 = base pages
    const dev_pagemap_ops* ops = nullptr;
    void* owner = nullptr;            // the driver's device (pmem_device, dev_dax)

    [[nodiscard]] u64 start_pfn() const { return PHYS_PFN(range_start); }
    [[nodiscard]] u64 end_pfn() const { return PHYS_PFN(range_end); }
};

// mm/memremap.c
[[nodiscard]] bool pgmap_pfn_valid(const dev_pagemap* pgmap, u64 pfn);
[[nodiscard]] inline bool pgmap_has_memory_failure(const dev_pagemap* pgmap) { return pgmap->ops != nullptr; }
// Registers the pages of pgmap (0, or -EBUSY when the range overlaps another pgmap).
int memremap_pages(Kernel& k, dev_pagemap* pgmap);
void memunmap_pages(Kernel& k, dev_pagemap* pgmap);
[[nodiscard]] dev_pagemap* get_dev_pagemap(Kernel& k, u64 pfn);
// The struct page of a pfn covered by a dev_pagemap, or nullptr (pfn_valid false).
[[nodiscard]] page* pfn_to_page(Kernel& k, u64 pfn);
// The head page of the compound page holding pfn (device-dax with vmemmap_shift), else the page.
[[nodiscard]] page* compound_head(Kernel& k, page* p);
// log2 of the compound page size (PAGE_SHIFT for base pages).
[[nodiscard]] unsigned page_shift(const page* p);

} // namespace daxsim::kernel
