// Device-mapper (drivers/md/dm.c, dm-table.c, dm-core.h, include/linux/device-mapper.h, v6.8 shapes):
// mapped devices /dev/dm-N (alias /dev/mapper/NAME) built from a table of linear and striped targets,
// each with its own block_device and dax_device. With dm.notify_failure=forward the mapped device is
// the dax holder of every target device and forwards notify_failure upwards in its own coordinates, as
// the fsdax-rmap series designed it; with upstream it opens them without a holder, as mainline does.
// DmSubsystem is owned by the Kernel (guest_api/kernel/kernel.h); one instance per simulated machine.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "guest_api/block/blkdev.h"
#include "guest_api/drivers/dax/dax.h"
#include "guest_api/kernel/types.h"

namespace daxsim::kernel {

class Kernel;
struct mapped_device;
struct dm_target;

// One opened underlying device of a table (struct dm_dev, from dm_get_device).
struct dm_dev {
    std::string path; // "/dev/pmem0" as the table names it
    block_device* bdev = nullptr;
    dax_device* dax_dev = nullptr; // nullptr: the device cannot do DAX
    u64 dax_start = 0;             // byte offset of the device's sector 0 inside dax_dev
    bool holder = false;           // forward mode: this mapped device holds dax_dev
};

// A piece of a target's mapping: where a run of the target's sectors lives on one underlying device.
struct dm_map_result {
    std::size_t stripe = 0;  // index into dm_target::stripes
    sector_t dev_sector = 0; // sector on that device
    sector_t max_len = 0;    // sectors contiguous from there (up to the chunk or target end)
};

// struct target_type: the table-line constructor and the two directions of the mapping.
struct target_type {
    virtual ~target_type() = default;
    [[nodiscard]] virtual const char* name() const = 0;
    // Parses ARGS (after START LEN TYPE), opening devices through dm_get_device; on error sets
    // ti.error (the kernel's ti->error text) and returns -errno.
    virtual int ctr(Kernel& k, mapped_device& md, dm_target& ti,
                    const std::vector<std::string>& argv) const = 0;
    // Target-relative sector -> device sector (linear_map_sector, stripe_map_sector).
    [[nodiscard]] virtual dm_map_result map(const dm_target& ti, sector_t offset) const = 0;
    // Inverse for notify_failure: bytes [dev_off, dev_off + len) of stripe `stripe`, counted from the
    // stripe's physical start, as runs of target-relative bytes (several for a striped target).
    virtual void reverse(const dm_target& ti, std::size_t stripe, u64 dev_off, u64 len,
                         const std::function<void(u64 target_off, u64 run)>& fn) const = 0;
};

const target_type& dm_linear_target(); // dm-linear.cpp
const target_type& dm_stripe_target(); // dm-stripe.cpp

struct dm_stripe {
    dm_dev* dev = nullptr;
    sector_t physical_start = 0; // OFF of the table line
};

struct dm_target {
    sector_t begin = 0; // START, 512-byte sectors into the mapped device
    sector_t len = 0;   // LEN
    const target_type* type = nullptr;
    std::vector<dm_stripe> stripes; // linear: one
    sector_t chunk_size = 0;        // striped: sectors per chunk
    sector_t stripe_width = 0;      // striped: len / stripes, sectors each device contributes
    std::string error;              // ti->error
};

struct mapped_device {
    std::string name; // the dmsetup name (/dev/mapper/NAME)
    int minor = 0;
    std::vector<dm_target> table;
    std::vector<std::unique_ptr<dm_dev>> devices; // each underlying device once (dm_get_device dedups)
    block_device bdev;                            // dm-N
    dax_device* dax_dev = nullptr;                // dm-N, nullptr when a target cannot do DAX

    [[nodiscard]] std::string disk_name() const { return "dm-" + std::to_string(minor); }
    // dm_device_name() in messages: MAJOR:MINOR with the dynamic major device-mapper usually gets.
    [[nodiscard]] std::string dev_t_name() const { return "253:" + std::to_string(minor); }
    [[nodiscard]] u64 size_sectors() const {
        return table.empty() ? 0 : table.back().begin + table.back().len;
    }
};

// One table line as dmsetup passes it (struct dm_target_spec + its parameter string).
struct dm_table_line {
    u64 start = 0;
    u64 len = 0;
    std::string type;
    std::vector<std::string> args;
};

// dm-table.c: dm_get_device / dm_put_device and the table build.
int dm_get_device(Kernel& k, mapped_device& md, dm_target& ti, const std::string& path, sector_t start,
                  sector_t len, dm_dev** out);
int dm_table_load(Kernel& k, mapped_device& md, const std::vector<dm_table_line>& lines);
void dm_table_destroy(Kernel& k, mapped_device& md);
// The target holding sector `sector` of md, or nullptr past the end (dm_table_find_target).
[[nodiscard]] const dm_target* dm_table_find_target(const mapped_device& md, sector_t sector);

class DmSubsystem {
  public:
    explicit DmSubsystem(Kernel& k);
    ~DmSubsystem();
    DmSubsystem(const DmSubsystem&) = delete;
    DmSubsystem& operator=(const DmSubsystem&) = delete;

    // DM_DEV_CREATE + DM_TABLE_LOAD + DM_DEV_SUSPEND(resume), as `dmsetup create` issues them; a failed
    // load removes the new device again. 0 or -errno (-EBUSY name in use or a target busy, -EINVAL table).
    int create(const std::string& name, const std::vector<dm_table_line>& table,
               mapped_device** out = nullptr);
    // DM_DEV_REMOVE: -ENXIO unknown, -EBUSY while open (mounted, or a target of another mapped device).
    int remove(const std::string& name);
    [[nodiscard]] mapped_device* find(const std::string& name) const;
    [[nodiscard]] const std::map<std::string, std::unique_ptr<mapped_device>>& devices() const {
        return devices_;
    }

  private:
    int next_minor() const;

    Kernel& k_;
    std::map<std::string, std::unique_ptr<mapped_device>> devices_;
    // Removed devices stay allocated: their dead dax_device still points at them.
    std::vector<std::unique_ptr<mapped_device>> removed_;
};

// dm.c: the mapped device's block I/O, dax_operations and (forward mode) dax holder operations.
[[nodiscard]] const block_device_operations& dm_blk_ops();
[[nodiscard]] const dax_operations& dm_dax_ops();
[[nodiscard]] const dax_holder_operations& dm_dax_holder_ops();

} // namespace daxsim::kernel
