// drivers/nvdimm/namespace_devs.c (create, size, destroy), pfn_devs.c (nd_pfn_init: the info block
// and memmap reservation) and the probe that binds a namespace's driver (nd_pmem for fsdax, dax_pmem +
// device-dax for devdax).
#include "guest_api/kernel/errno.h"

#include <algorithm>
#include <fmt/format.h>

#include "guest_api/admin.h"
#include "guest_api/drivers/dax/bus.h"
#include "guest_api/drivers/nvdimm/bus.h"
#include "guest_api/drivers/nvdimm/nd.h"
#include "guest_api/drivers/nvdimm/pmem.h"
#include "guest_api/fs/fs.h"
#include "guest_api/kernel/kernel.h"

namespace daxsim::kernel {

namespace {

constexpr u64 SZ_8K = 8192;
constexpr u64 MAX_STRUCT_PAGE_SIZE = 64;  // bytes of memmap reserved per 4 KiB page

u64 align_up(u64 v, u64 a) { return (v + a - 1) / a * a; }
u64 align_down(u64 v, u64 a) { return v / a * a; }

// A deterministic v4-shaped UUID from where the namespace lives and how many were made before it.
std::string make_uuid(const nd_region& region, int id, u64 serial) {
    u64 h = 0xcbf29ce484222325ull;
    for (const u64 v : {static_cast<u64>(region.id), static_cast<u64>(id), serial, region.spa_start}) {
        h ^= v;
        h *= 0x100000001b3ull;
        h ^= h >> 29;
    }
    const u64 l = h * 0x9e3779b97f4a7c15ull;
    return fmt::format("{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}", static_cast<u32>(h >> 32), (h >> 16) & 0xffff,
                       h & 0xfff, (l >> 52) & 0xfff, l & 0xffffffffffffull);
}

// First free [offset, offset + size) of the region, start aligned to the region alignment.
std::optional<u64> find_free(const nd_region& region, u64 size) {
    std::vector<std::pair<u64, u64>> used;
    for (const auto& ns : region.namespaces) used.emplace_back(ns->offset, ns->offset + ns->size);
    std::sort(used.begin(), used.end());
    u64 at = 0;
    for (const auto& [s, e] : used) {
        if (s >= at && s - at >= size) return at;
        at = std::max(at, align_up(e, region.align));
    }
    if (at <= region.size && region.size - at >= size) return at;
    return std::nullopt;
}

u64 largest_free(const nd_region& region) {
    std::vector<std::pair<u64, u64>> used;
    for (const auto& ns : region.namespaces) used.emplace_back(ns->offset, ns->offset + ns->size);
    std::sort(used.begin(), used.end());
    u64 at = 0;
    u64 best = 0;
    for (const auto& [s, e] : used) {
        if (s > at) best = std::max(best, s - at);
        at = std::max(at, align_up(e, region.align));
    }
    if (region.size > at) best = std::max(best, region.size - at);
    return align_down(best, region.align);
}

} // namespace

void nd_namespace_names(nd_namespace& ns) {
    ns.dev = fmt::format("namespace{}.{}", ns.region_id, ns.id);
    ns.blockdev.clear();
    ns.chardev.clear();
    if (ns.mode == nd_mode::fsdax)
        ns.blockdev = ns.id == 0 ? fmt::format("pmem{}", ns.region_id) : fmt::format("pmem{}.{}", ns.region_id, ns.id);
    else
        ns.chardev = fmt::format("dax{}.{}", ns.region_id, ns.id);
}

// nd_pfn_init(): an 8 KiB info block, then (map=dev) 64 B of struct page per data page, the data
// starting at the next `align` boundary and truncated to a multiple of `align`.
int nd_pfn_layout(nd_namespace& ns) {
    const u64 start = ns.spa;
    const u64 align = ns.align;
    u64 offset = 0;
    if (ns.map_mem) {
        offset = align_up(start + SZ_8K, align) - start;
    } else {
        const u64 npfns = PHYS_PFN(ns.size - SZ_8K);
        offset = align_up(start + SZ_8K + MAX_STRUCT_PAGE_SIZE * npfns, align) - start;
    }
    if (offset >= ns.size) return -ENXIO;
    ns.data_offset = offset;
    ns.data_size = align_down(ns.size - offset, align);
    return ns.data_size ? 0 : -ENXIO;
}

int nd_namespace_probe(Kernel& k, nd_namespace& ns) {
    if (ns.enabled) return 0;
    int rc = 0;
    if (ns.mode == nd_mode::fsdax) {
        rc = pmem_attach_disk(k, ns);
    } else {
        rc = k.dax().devm_create_dev_dax(ns.chardev, ns.region_id, ns.id, ns.data_spa(), ns.data_size, ns.align);
    }
    if (rc == 0) ns.enabled = true;
    return rc;
}

void nd_namespace_remove(Kernel& k, nd_namespace& ns) {
    if (!ns.enabled) return;
    if (ns.mode == nd_mode::fsdax)
        pmem_detach_disk(k, ns);
    else
        k.dax().unregister_dev_dax(ns.chardev);
    ns.enabled = false;
}

int ndctl_create_namespace(Kernel& k, const NamespaceSpec& spec, NamespaceInfo* out) {
    nd_mode mode;
    if (spec.mode == "fsdax") mode = nd_mode::fsdax;
    else if (spec.mode == "devdax") mode = nd_mode::devdax;
    else return -EINVAL;
    if (spec.map != "dev" && spec.map != "mem") return -EINVAL;
    u64 align = u64{2} << 20;  // PMD: the default pfn / device-dax alignment on x86-64
    if (spec.align) {
        align = *spec.align;
        if (align != PAGE_SIZE && align != (u64{1} << PMD_SHIFT) && align != (u64{1} << PUD_SHIFT)) return -EINVAL;
    }

    nd_region* region = nullptr;
    if (spec.region) {
        region = k.nvdimm().find_region(*spec.region);
        if (region == nullptr) return -ENODEV;
    } else {
        for (auto& r : k.nvdimm().regions())
            if (largest_free(*r) > 0) {
                region = r.get();
                break;
            }
        if (region == nullptr) return -ENOSPC;
    }

    u64 size = spec.size.value_or(largest_free(*region));
    // __size_store(): sizes are whole multiples of the region alignment.
    if (size == 0 || size % region->align != 0) return -EINVAL;
    const std::optional<u64> offset = find_free(*region, size);
    if (!offset) return -ENOSPC;

    int id = 0;
    while (std::any_of(region->namespaces.begin(), region->namespaces.end(),
                       [id](const auto& ns) { return ns->id == id; }))
        ++id;
    auto ns = std::make_unique<nd_namespace>();
    ns->region_id = region->id;
    ns->id = id;
    ns->mode = mode;
    ns->map_mem = mode == nd_mode::fsdax && spec.map == "mem";
    ns->offset = *offset;
    ns->size = size;
    ns->align = align;
    ns->spa = region->spa_start + *offset;
    static_assert(sizeof(u64) == 8);
    u64 serial = 0;
    for (const auto& r : k.nvdimm().regions()) serial += r->namespaces.size();
    ns->uuid = make_uuid(*region, id, serial ^ *offset);
    nd_namespace_names(*ns);
    if (nd_pfn_layout(*ns) < 0) return -ENOSPC;
    // Device-dax exposes whole `align` units only.
    if (ns->data_size % align != 0) return -EINVAL;

    nd_namespace* raw = ns.get();
    region->namespaces.push_back(std::move(ns));
    std::sort(region->namespaces.begin(), region->namespaces.end(),
              [](const auto& a, const auto& b) { return a->id < b->id; });
    if (const int rc = nd_labels_write(k, *region); rc < 0) {
        std::erase_if(region->namespaces, [raw](const auto& p) { return p.get() == raw; });
        return rc;
    }
    if (const int rc = nd_namespace_probe(k, *raw); rc < 0) return rc;
    if (out) {
        for (const NamespaceInfo& info : ndctl_list_namespaces(k))
            if (info.dev == raw->dev) *out = info;
    }
    return 0;
}

int ndctl_destroy_namespace(Kernel& k, const std::string& dev) {
    nd_namespace* ns = k.nvdimm().find_namespace(dev);
    if (ns == nullptr) return -ENODEV;
    // A mounted / claimed / mapped namespace cannot be disabled.
    if (ns->pmem && (ns->pmem->bdev.bd_holder || ns->pmem->dax_dev->holder_data)) return -EBUSY;
    if (ns->mode == nd_mode::devdax)
        if (dev_dax* dd = k.dax().find_dev_dax(ns->chardev); dd && !dd->chr->i_mapping->i_mmap.empty()) return -EBUSY;
    nd_namespace_remove(k, *ns);
    nd_region& region = *k.nvdimm().regions().at(static_cast<std::size_t>(ns->region_id));
    std::erase_if(region.namespaces, [ns](const auto& p) { return p.get() == ns; });
    return nd_labels_write(k, region);
}

} // namespace daxsim::kernel
