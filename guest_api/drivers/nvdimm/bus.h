// NvdimmBus: the nvdimm bus built from the NFIT: nmem DIMMs, regions, namespaces, pmem devices, badblocks.
// Owned by the Kernel (guest_api/kernel/kernel.h); one instance per simulated machine.
// Mirrors drivers/nvdimm: an nvdimm per NFIT DIMM (nmemN), an nd_region per SPA range (regionN) with one
// nd_mapping per member DIMM, namespaces carved from a region and persisted as labels on every member
// DIMM, and the driver bound to each namespace (pmem for fsdax, device-dax for devdax).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "guest_api/drivers/nvdimm/badblocks.h"
#include "guest_api/kernel/types.h"

namespace daxsim::kernel {

class Kernel;
struct pmem_device;

struct nvdimm {
    unsigned index = 0;             // NfitDimm::index
    std::string name;               // "nmem0"
    u32 handle = 0;
    std::string serial;
    u64 capacity = 0;
    u64 label_bytes = 0;
};

struct nd_mapping {
    unsigned dimm = 0;              // nvdimm index
    u64 dpa_start = 0;
    u64 size = 0;
    unsigned position = 0;          // interleave position
};

enum class nd_mode { fsdax, devdax };

struct nd_namespace {
    std::string dev;                // "namespace0.0"
    int region_id = 0;
    int id = 0;                     // the N of namespaceR.N
    std::string uuid;
    nd_mode mode = nd_mode::fsdax;
    bool map_mem = false;           // ndctl --map=mem: struct pages in DRAM, none reserved here
    u64 offset = 0;                 // bytes from the start of the region
    u64 size = 0;                   // raw size (what the label claims)
    u64 align = 2ull << 20;         // pfn / device-dax alignment
    u64 data_offset = 0;            // info block (+ memmap for map=dev) in front of the data
    u64 data_size = 0;              // usable bytes after data_offset
    u64 spa = 0;                    // SPA of the namespace's first byte
    bool enabled = false;           // a driver is bound
    std::unique_ptr<pmem_device> pmem;  // fsdax, while enabled
    std::string blockdev;           // "pmem0" (fsdax)
    std::string chardev;            // "dax0.0" (devdax)

    nd_namespace();
    ~nd_namespace();
    nd_namespace(const nd_namespace&) = delete;
    nd_namespace& operator=(const nd_namespace&) = delete;

    [[nodiscard]] u64 data_spa() const { return spa + data_offset; }
};

struct nd_region {
    int id = 0;
    std::string name;               // "region0"
    std::uint16_t range_index = 0;  // NFIT SPA range index
    u64 spa_start = 0;
    u64 size = 0;
    unsigned ways = 1;
    u64 granularity = 4096;
    u64 align = 16ull << 20;        // namespace size / start alignment (default_align())
    std::vector<nd_mapping> mappings;
    badblocks bb;                   // sectors from spa_start
    std::vector<std::unique_ptr<nd_namespace>> namespaces;  // ordered by id

    [[nodiscard]] u64 available_size() const;
    [[nodiscard]] bool contains(u64 spa) const { return spa >= spa_start && spa - spa_start < size; }
};

class NvdimmBus {
  public:
    explicit NvdimmBus(Kernel& k);
    ~NvdimmBus();
    NvdimmBus(const NvdimmBus&) = delete;
    NvdimmBus& operator=(const NvdimmBus&) = delete;

    // acpi_nfit_init + nvdimm_bus_register: DIMMs and regions from the NFIT. 0 or -errno.
    int register_from_nfit();
    [[nodiscard]] bool registered() const { return registered_; }

    [[nodiscard]] std::vector<nvdimm>& dimms() { return dimms_; }
    [[nodiscard]] std::vector<std::unique_ptr<nd_region>>& regions() { return regions_; }
    [[nodiscard]] nd_region* find_region(const std::string& name);
    [[nodiscard]] nd_region* region_of_spa(u64 spa);
    [[nodiscard]] nd_namespace* find_namespace(const std::string& dev);
    // The namespace whose block device or device-dax node is `name` ("pmem0", "dax0.0").
    [[nodiscard]] nd_namespace* find_namespace_by_devname(const std::string& name);

    // A removed pmem device stays allocated (a file system may still hold its bdev and dax_device).
    void retire(std::unique_ptr<pmem_device> pmem);

  private:
    Kernel& k_;
    bool registered_ = false;
    std::vector<nvdimm> dimms_;
    std::vector<std::unique_ptr<nd_region>> regions_;
    std::vector<std::unique_ptr<pmem_device>> retired_;
};

} // namespace daxsim::kernel
