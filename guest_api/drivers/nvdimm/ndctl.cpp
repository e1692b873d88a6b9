// What ndctl reads and writes through sysfs and the ND ioctls, as direct calls (guest_api/admin.h):
// listings, badblocks, error injection (ACPI ARS error inject + badblocks notification, as ndctl
// does by default), clear-errors, address range scrub, unbind, and the SPA lookup `inject poison`
// needs.
#include "guest_api/kernel/errno.h"

#include <algorithm>
#include <fmt/format.h>

#include "guest_api/admin.h"
#include "guest_api/drivers/dax/bus.h"
#include "guest_api/drivers/nvdimm/bus.h"
#include "guest_api/drivers/nvdimm/nd.h"
#include "guest_api/drivers/nvdimm/pmem.h"
#include "guest_api/kernel/kernel.h"
#include "guest_api/mm/memory_failure.h"
#include "guest_api/mm/memremap.h"
#include "guest_api/mm/signal.h"

namespace daxsim::kernel {

namespace {

NamespaceInfo info_of(const nd_region& region, const nd_namespace& ns) {
    NamespaceInfo i;
    i.dev = ns.dev;
    i.mode = ns.mode == nd_mode::fsdax ? "fsdax" : "devdax";
    i.map = ns.map_mem ? "mem" : "dev";
    i.size = ns.data_size;
    i.uuid = ns.uuid;
    i.region = region.name;
    i.blockdev = ns.blockdev;
    i.chardev = ns.chardev;
    i.align = ns.align;
    i.spa_start = ns.data_spa();
    return i;
}

} // namespace

std::vector<NamespaceInfo> ndctl_list_namespaces(Kernel& k) {
    std::vector<NamespaceInfo> out;
    for (const auto& r : k.nvdimm().regions())
        for (const auto& ns : r->namespaces) out.push_back(info_of(*r, *ns));
    return out;
}

std::vector<RegionInfo> ndctl_list_regions(Kernel& k) {
    std::vector<RegionInfo> out;
    for (const auto& r : k.nvdimm().regions()) {
        RegionInfo i;
        i.dev = r->name;
        i.size = r->size;
        i.available_size = r->available_size();
        i.spa_start = r->spa_start;
        i.interleave_ways = r->ways;
        i.align = r->align;
        for (const nd_mapping& m : r->mappings) i.mappings.push_back(k.nvdimm().dimms().at(m.dimm).name);
        out.push_back(std::move(i));
    }
    return out;
}

std::vector<DimmInfo> ndctl_list_dimms(Kernel& k) {
    std::vector<DimmInfo> out;
    for (const nvdimm& d : k.nvdimm().dimms()) out.push_back(DimmInfo{d.name, d.handle, d.serial, d.capacity});
    return out;
}

std::vector<BadBlockRange> ndctl_badblocks(Kernel& k, const std::string& ns_dev, int* err) {
    std::vector<BadBlockRange> out;
    nd_namespace* ns = k.nvdimm().find_namespace(ns_dev);
    if (ns == nullptr) ns = k.nvdimm().find_namespace_by_devname(ns_dev);
    if (ns == nullptr) {
        if (err) *err = -ENODEV;
        return out;
    }
    if (err) *err = 0;
    // Offsets from the first data byte, as the namespace's block / char device numbers them.
    const nd_region& region = *k.nvdimm().regions().at(static_cast<std::size_t>(ns->region_id));
    const u64 lo = ns->data_spa();
    const u64 hi = lo + ns->data_size;
    for (const badblock_range& r : badblocks_list(region.bb)) {
        const u64 s = std::max(region.spa_start + (r.start << SECTOR_SHIFT), lo);
        const u64 e = std::min(region.spa_start + ((r.start + r.len) << SECTOR_SHIFT), hi);
        if (s < e) out.push_back(BadBlockRange{(s - lo) >> SECTOR_SHIFT, (e - s) >> SECTOR_SHIFT});
    }
    return out;
}

int ndctl_inject_error(Kernel& k, const std::string& ns_dev, u64 block, u64 count) {
    nd_namespace* ns = k.nvdimm().find_namespace(ns_dev);
    if (ns == nullptr) return -ENODEV;
    if (count == 0 || block + count > (ns->data_size >> SECTOR_SHIFT)) return -EINVAL;
    const u64 spa = ns->data_spa() + (block << SECTOR_SHIFT);
    const u64 len = count << SECTOR_SHIFT;
    if (!k.firmware().inject_error(spa, len)) return -ENXIO;
    // ndctl's default notifies the kernel: the range goes into badblocks at once.
    nvdimm_badblocks_add(k, spa, len);
    return 0;
}

int ndctl_clear_errors(Kernel& k, const std::string& ns_dev) {
    nd_namespace* ns = k.nvdimm().find_namespace(ns_dev);
    if (ns == nullptr) return -ENODEV;
    int rc = 0;
    for (const BadBlockRange& r : ndctl_badblocks(k, ns_dev)) {
        const u64 spa = ns->data_spa() + (r.offset << SECTOR_SHIFT);
        const u64 len = r.length << SECTOR_SHIFT;
        if (k.firmware().clear_error(spa, len) < len) rc = -EIO;
        nvdimm_badblocks_clear(k, spa, len);
    }
    return rc;
}

int ndctl_start_scrub(Kernel& k) {
    for (const auto& r : k.nvdimm().regions()) {
        // ARS over the region; each record is poison the kernel may not have known about.
        for (const platform::ArsRecord& rec : k.firmware().address_range_scrub(r->spa_start, r->size)) {
            std::vector<u64> pfns;
            for (u64 pfn = PHYS_PFN(rec.spa); pfn < PHYS_PFN(rec.spa + rec.length + PAGE_SIZE - 1); ++pfn) {
                const u64 lo = std::max(PFN_PHYS(pfn), rec.spa);
                const u64 hi = std::min(PFN_PHYS(pfn + 1), rec.spa + rec.length);
                const u64 s = (lo - r->spa_start) >> SECTOR_SHIFT;
                const u64 n = ((hi - r->spa_start + 511) >> SECTOR_SHIFT) - s;
                // New poison only: what badblocks already covers was reported before.
                sector_t fb = 0;
                u64 bn = 0;
                const bool known = badblocks_check(r->bb, s, n, &fb, &bn) && fb <= s && fb + bn >= s + n;
                if (!known) pfns.push_back(pfn);
            }
            nvdimm_badblocks_add(k, rec.spa, rec.length);
            for (const u64 pfn : pfns) memory_failure_queue(k, pfn, 0);
        }
    }
    return 0;
}

std::optional<u64> dev_offset_to_spa(Kernel& k, const std::string& dev_path, u64 offset) {
    std::string name = dev_path;
    if (name.rfind("/dev/", 0) == 0) name = name.substr(5);
    auto it = k.dev_nodes().find(name);
    if (it == k.dev_nodes().end()) return std::nullopt;
    if (block_device* bdev = it->second.bdev) {
        if (offset >= bdev->size_bytes() || bdev->dax_dev == nullptr) return std::nullopt;
        // Through the device's own translation, so stacked devices (dm) resolve too.
        const u64 byte = bdev->dax_offset + offset;
        u64 pfn = 0;
        if (dax_direct_access(k, bdev->dax_dev, PHYS_PFN(byte), 1, dax_access_mode::DAX_RECOVERY_WRITE, &pfn) < 1)
            return std::nullopt;
        return PFN_PHYS(pfn) + (byte & (PAGE_SIZE - 1));
    }
    if (const dev_dax* dd = k.dax().find_dev_dax(name)) {
        if (offset >= dd->size) return std::nullopt;
        return dd->phys_start + offset;
    }
    return std::nullopt;
}

int unbind_device(Kernel& k, const std::string& name) {
    nd_namespace* ns = k.nvdimm().find_namespace_by_devname(name);
    if (ns == nullptr) ns = k.nvdimm().find_namespace(name);
    if (ns == nullptr || !ns->enabled) return -ENODEV;
    task_struct* const saved = k.current();
    k.set_current(nullptr);
    nd_namespace_remove(k, *ns);
    k.set_current(saved);
    exit_signalled_tasks(k);
    return 0;
}

} // namespace daxsim::kernel
