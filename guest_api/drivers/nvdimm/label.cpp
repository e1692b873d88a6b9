// drivers/nvdimm/label.c, with a layout of our own (not the UEFI namespace label format): every
// member DIMM of a region stores the same index of the region's namespaces, so a restart rebuilds
// them. Layout, little-endian, bounds-checked against the DIMM's label area:
//   header (64 B): magic "DXSIMNSL", u32 version, u32 count, u32 entry_size, u32 reserved,
//                  u64 checksum (FNV-1a 64 over the entries), 32 B reserved
//   count entries of entry_size (128 B): uuid (40 B, NUL padded), u16 range_index, u16 mode,
//                  u32 id, u64 offset, u64 size, u64 align, u8 map_mem, 55 B reserved
#include "guest_api/kernel/errno.h"

#include <array>
#include <cstring>
#include <fmt/format.h>
#include <vector>

#include "guest_api/drivers/nvdimm/bus.h"
#include "guest_api/drivers/nvdimm/nd.h"
#include "guest_api/kernel/kernel.h"

namespace daxsim::kernel {

namespace {

constexpr std::array<char, 8> kMagic{'D', 'X', 'S', 'I', 'M', 'N', 'S', 'L'};
constexpr u32 kVersion = 1;
constexpr std::size_t kHeaderBytes = 64;
constexpr std::size_t kEntryBytes = 128;
constexpr std::size_t kUuidBytes = 40;

void put(std::vector<std::byte>& b, std::size_t at, u64 v, unsigned bytes) {
    for (unsigned i = 0; i < bytes; ++i) b.at(at + i) = static_cast<std::byte>((v >> (8 * i)) & 0xff);
}

u64 get(const std::vector<std::byte>& b, std::size_t at, unsigned bytes) {
    u64 v = 0;
    for (unsigned i = 0; i < bytes; ++i) v |= static_cast<u64>(b.at(at + i)) << (8 * i);
    return v;
}

u64 fnv1a(const std::vector<std::byte>& b, std::size_t from) {
    u64 h = 0xcbf29ce484222325ull;
    for (std::size_t i = from; i < b.size(); ++i) {
        h ^= static_cast<u64>(b[i]);
        h *= 0x100000001b3ull;
    }
    return h;
}

std::vector<std::byte> encode(const nd_region& region) {
    std::vector<std::byte> b(kHeaderBytes + kEntryBytes * region.namespaces.size());
    std::memcpy(b.data(), kMagic.data(), kMagic.size());
    put(b, 8, kVersion, 4);
    put(b, 12, region.namespaces.size(), 4);
    put(b, 16, kEntryBytes, 4);
    std::size_t at = kHeaderBytes;
    for (const auto& ns : region.namespaces) {
        std::memcpy(b.data() + at, ns->uuid.data(), std::min(ns->uuid.size(), kUuidBytes - 1));
        put(b, at + 40, region.range_index, 2);
        put(b, at + 42, ns->mode == nd_mode::devdax ? 1 : 0, 2);
        put(b, at + 44, static_cast<u64>(ns->id), 4);
        put(b, at + 48, ns->offset, 8);
        put(b, at + 56, ns->size, 8);
        put(b, at + 64, ns->align, 8);
        put(b, at + 72, ns->map_mem ? 1 : 0, 1);
        at += kEntryBytes;
    }
    put(b, 24, fnv1a(b, kHeaderBytes), 8);
    return b;
}

} // namespace

int nd_labels_write(Kernel& k, nd_region& region) {
    const std::vector<std::byte> b = encode(region);
    for (const nd_mapping& m : region.mappings) {
        const nvdimm& dimm = k.nvdimm().dimms().at(m.dimm);
        if (b.size() > dimm.label_bytes) return -ENOSPC;
        if (!k.firmware().label_write(m.dimm, 0, b)) return -ENXIO;
    }
    return 0;
}

int nd_labels_scan(Kernel& k, nd_region& region) {
    if (region.mappings.empty()) return 0;
    // Every member holds the same index; the first member's copy is authoritative.
    const unsigned dimm_index = region.mappings.front().dimm;
    const nvdimm& dimm = k.nvdimm().dimms().at(dimm_index);
    if (dimm.label_bytes < kHeaderBytes) return 0;
    std::vector<std::byte> head(kHeaderBytes);
    if (!k.firmware().label_read(dimm_index, 0, head)) return -ENXIO;
    if (std::memcmp(head.data(), kMagic.data(), kMagic.size()) != 0) return 0;  // never written: no labels
    if (get(head, 8, 4) != kVersion || get(head, 16, 4) != kEntryBytes) {
        k.printk(LogLevel::warning, fmt::format("nd_label: {}: unsupported label version, ignoring labels", dimm.name));
        return 0;
    }
    const u64 count = get(head, 12, 4);
    if (count > (dimm.label_bytes - kHeaderBytes) / kEntryBytes) {
        k.printk(LogLevel::warning, fmt::format("nd_label: {}: label count {} exceeds the label area", dimm.name, count));
        return 0;
    }
    std::vector<std::byte> b(kHeaderBytes + kEntryBytes * count);
    if (!k.firmware().label_read(dimm_index, 0, b)) return -ENXIO;
    if (get(b, 24, 8) != fnv1a(b, kHeaderBytes)) {
        k.printk(LogLevel::warning, fmt::format("nd_label: {}: label checksum mismatch, ignoring labels", dimm.name));
        return 0;
    }
    for (u64 i = 0; i < count; ++i) {
        const std::size_t at = kHeaderBytes + kEntryBytes * i;
        if (get(b, at + 40, 2) != region.range_index) continue;
        auto ns = std::make_unique<nd_namespace>();
        const char* uuid = reinterpret_cast<const char*>(b.data() + at);
        ns->uuid.assign(uuid, strnlen(uuid, kUuidBytes));
        ns->region_id = region.id;
        ns->mode = get(b, at + 42, 2) == 1 ? nd_mode::devdax : nd_mode::fsdax;
        ns->id = static_cast<int>(get(b, at + 44, 4));
        ns->offset = get(b, at + 48, 8);
        ns->size = get(b, at + 56, 8);
        ns->align = get(b, at + 64, 8);
        ns->map_mem = get(b, at + 72, 1) != 0;
        if (ns->offset > region.size || ns->size > region.size - ns->offset || ns->size == 0) {
            k.printk(LogLevel::warning, fmt::format("nd_label: {}: label {} outside {}, ignoring", dimm.name, i, region.name));
            continue;
        }
        ns->spa = region.spa_start + ns->offset;
        nd_namespace_names(*ns);
        if (nd_pfn_layout(*ns) < 0) continue;
        region.namespaces.push_back(std::move(ns));
    }
    return 0;
}

} // namespace daxsim::kernel
