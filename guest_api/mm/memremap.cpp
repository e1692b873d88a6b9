// mm/memremap.c: dev_pagemap registration and lookup, and the ZONE_DEVICE struct pages they bring.
#include "guest_api/kernel/errno.h"

#include "guest_api/mm/memremap.h"

#include "guest_api/kernel/kernel.h"
#include "guest_api/mm/mm_subsystem.h"

namespace daxsim::kernel {

bool pgmap_pfn_valid(const dev_pagemap* pgmap, u64 pfn) {
    if (pfn < pgmap->start_pfn() || pfn >= pgmap->end_pfn()) return false;
    // The memmap of a map=dev namespace lives in its own first pages: those pfns hold struct pages,
    // not data, and memory_failure() cannot recover them (pfn_first()).
    const u64 first = pgmap->start_pfn() + (pgmap->has_altmap ? pgmap->altmap.reserve + pgmap->altmap.free : 0);
    return pfn >= first;
}

int memremap_pages(Kernel& k, dev_pagemap* pgmap) { return k.mm().add_pgmap(pgmap); }

void memunmap_pages(Kernel& k, dev_pagemap* pgmap) { k.mm().remove_pgmap(pgmap); }

dev_pagemap* get_dev_pagemap(Kernel& k, u64 pfn) { return k.mm().find_pgmap(pfn); }

page* pfn_to_page(Kernel& k, u64 pfn) { return k.mm().page_of(pfn); }

page* compound_head(Kernel& k, page* p) {
    if (p == nullptr || p->pgmap == nullptr || p->pgmap->vmemmap_shift == 0) return p;
    // Compound pages are naturally aligned (the device's data starts at an `align` boundary).
    const u64 nr = u64{1} << p->pgmap->vmemmap_shift;
    return pfn_to_page(k, p->pfn & ~(nr - 1));
}

unsigned page_shift(const page* p) {
    if (p == nullptr || p->pgmap == nullptr) return PAGE_SHIFT;
    return PAGE_SHIFT + p->pgmap->vmemmap_shift;
}

} // namespace daxsim::kernel
