// drivers/nvdimm/bus.c + drivers/acpi/nfit/core.c: the bus, its DIMMs and regions from the NFIT, and
// the poison list (nvdimm_bus_add_badrange, drivers/acpi/nfit/mce.c).
#include "guest_api/kernel/errno.h"

#include "guest_api/drivers/nvdimm/bus.h"

#include <algorithm>
#include <fmt/format.h>

#include "guest_api/drivers/nvdimm/nd.h"
#include "guest_api/drivers/nvdimm/pmem.h"
#include "guest_api/kernel/kernel.h"

namespace daxsim::kernel {

nd_namespace::nd_namespace() = default;
nd_namespace::~nd_namespace() = default;

u64 nd_region::available_size() const {
    u64 used = 0;
    for (const auto& ns : namespaces) used += ns->size;
    return size - used;
}

NvdimmBus::NvdimmBus(Kernel& k) : k_(k) {}
NvdimmBus::~NvdimmBus() = default;

namespace {

// default_align() (region_devs.c): 16 MiB (MEMREMAP_COMPAT_ALIGN_MAX), times the number of mappings
// when it does not divide evenly among them; PAGE_SIZE for regions smaller than that.
u64 default_align(u64 region_size, unsigned mappings) {
    u64 align = 16ull << 20;
    if (region_size < align) align = PAGE_SIZE;
    mappings = std::max(1u, mappings);
    if (align % mappings) align *= mappings;
    return align;
}

} // namespace

int NvdimmBus::register_from_nfit() {
    if (registered_) return -EBUSY;
    const platform::Nfit& nfit = k_.nfit();
    for (const platform::NfitDimm& d : nfit.dimms)
        dimms_.push_back(nvdimm{d.index, fmt::format("nmem{}", d.index), d.handle, d.serial, d.capacity, d.label_bytes});
    int id = 0;
    for (const platform::NfitSpaRange& r : nfit.spa_ranges) {
        auto region = std::make_unique<nd_region>();
        region->id = id++;
        region->name = fmt::format("region{}", region->id);
        region->range_index = r.range_index;
        region->spa_start = r.base;
        region->size = r.length;
        for (const platform::NfitMemdev& m : nfit.memdevs) {
            if (m.range_index != r.range_index) continue;
            region->mappings.push_back(nd_mapping{m.dimm, m.dpa_base, m.region_size, m.interleave_position});
            region->ways = m.interleave_ways;
            region->granularity = m.interleave_granularity;
        }
        std::sort(region->mappings.begin(), region->mappings.end(),
                  [](const nd_mapping& a, const nd_mapping& b) { return a.position < b.position; });
        region->align = default_align(region->size, static_cast<unsigned>(region->mappings.size()));
        regions_.push_back(std::move(region));
    }
    registered_ = true;
    return 0;
}

nd_region* NvdimmBus::find_region(const std::string& name) {
    for (auto& r : regions_)
        if (r->name == name) return r.get();
    return nullptr;
}

nd_region* NvdimmBus::region_of_spa(u64 spa) {
    for (auto& r : regions_)
        if (r->contains(spa)) return r.get();
    return nullptr;
}

nd_namespace* NvdimmBus::find_namespace(const std::string& dev) {
    for (auto& r : regions_)
        for (auto& ns : r->namespaces)
            if (ns->dev == dev) return ns.get();
    return nullptr;
}

nd_namespace* NvdimmBus::find_namespace_by_devname(const std::string& name) {
    for (auto& r : regions_)
        for (auto& ns : r->namespaces)
            if ((!ns->blockdev.empty() && ns->blockdev == name) || (!ns->chardev.empty() && ns->chardev == name))
                return ns.get();
    return nullptr;
}

void NvdimmBus::retire(std::unique_ptr<pmem_device> pmem) { retired_.push_back(std::move(pmem)); }

namespace {

// [spa, spa + len) widened to whole sectors, intersected with [lo, hi); sectors from lo.
bool sector_span(u64 spa, u64 len, u64 lo, u64 hi, sector_t* first, u64* count) {
    const u64 s = std::max(spa, lo);
    const u64 e = std::min(spa + len, hi);
    if (s >= e) return false;
    *first = (s - lo) >> SECTOR_SHIFT;
    *count = ((e - lo + (u64{1} << SECTOR_SHIFT) - 1) >> SECTOR_SHIFT) - *first;
    return true;
}

template <typename Fn>
void for_each_bb(Kernel& k, u64 spa, u64 len, Fn fn) {
    for (auto& region : k.nvdimm().regions()) {
        sector_t s = 0;
        u64 n = 0;
        if (!sector_span(spa, len, region->spa_start, region->spa_start + region->size, &s, &n)) continue;
        fn(region->bb, s, n);
        for (auto& ns : region->namespaces) {
            if (!ns->pmem) continue;
            pmem_device& p = *ns->pmem;
            if (sector_span(spa, len, p.data_spa(), p.data_spa() + p.data_size(), &s, &n)) fn(p.bb, s, n);
        }
    }
}

} // namespace

void nvdimm_badblocks_add(Kernel& k, u64 spa, u64 len) {
    for_each_bb(k, spa, len, [](badblocks& bb, sector_t s, u64 n) { badblocks_set(bb, s, n); });
}

void nvdimm_badblocks_clear(Kernel& k, u64 spa, u64 len) {
    for_each_bb(k, spa, len, [](badblocks& bb, sector_t s, u64 n) { badblocks_clear(bb, s, n); });
}

void nfit_handle_mce(Kernel& k, u64 spa, u64 len) {
    if (k.nvdimm().region_of_spa(spa) == nullptr) return;
    nvdimm_badblocks_add(k, spa, len);
}

} // namespace daxsim::kernel
