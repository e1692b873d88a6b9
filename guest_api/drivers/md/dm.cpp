// drivers/md/dm.c: the mapped device: its block I/O split over the targets, its dax_operations
// (dm_dax_direct_access, dm_dax_zero_page_range: one target, one chunk at a time) and, in forward
// mode, the dax holder operations through which a failure on a target device reaches the holder of
// the mapped device in the mapped device's coordinates.
#include "guest_api/kernel/errno.h"

#include <algorithm>
#include <limits>

#include "guest_api/drivers/dax/bus.h"
#include "guest_api/drivers/md/dm.h"
#include "guest_api/kernel/kernel.h"
#include "guest_api/kernel/layer_timer.h"
#include "guest_api/mm/memory_failure.h"

namespace daxsim::kernel {

namespace {

constexpr sector_t PAGE_SECTORS = PAGE_SIZE >> SECTOR_SHIFT;

mapped_device& to_md(const block_device& bdev) {
    return *static_cast<mapped_device*>(bdev.bd_disk_private);
}
mapped_device& to_md(const dax_device* dax_dev) {
    return *static_cast<mapped_device*>(dax_dev->private_data);
}

// Splits [sector, sector + count) at target and chunk boundaries: fn(device, device sector, offset of
// the run in sectors from `sector`, run length in sectors). 0 or the first -errno.
template <class Fn> int dm_split(const mapped_device& md, sector_t sector, sector_t count, Fn fn) {
    for (sector_t done = 0; done < count;) {
        const dm_target* ti = dm_table_find_target(md, sector + done);
        if (ti == nullptr) return -EIO;
        const dm_map_result m = ti->type->map(*ti, sector + done - ti->begin);
        const sector_t run = std::min(m.max_len, count - done);
        if (const int r = fn(*ti->stripes[m.stripe].dev, m.dev_sector, done, run); r < 0) return r;
        done += run;
    }
    return 0;
}

struct DmBlockOps final : block_device_operations {
    int read_sectors(Kernel& k, block_device& bdev, sector_t sector,
                     std::span<std::byte> buf) const override {
        return dm_split(to_md(bdev), sector, buf.size() >> SECTOR_SHIFT,
                        [&](dm_dev& d, sector_t dev_sector, sector_t off, sector_t run) {
                            if (d.bdev->fops == nullptr) return -EIO;
                            return d.bdev->fops->read_sectors(
                                k, *d.bdev, dev_sector,
                                buf.subspan(off << SECTOR_SHIFT, run << SECTOR_SHIFT));
                        });
    }
    int write_sectors(Kernel& k, block_device& bdev, sector_t sector,
                      std::span<const std::byte> buf) const override {
        return dm_split(to_md(bdev), sector, buf.size() >> SECTOR_SHIFT,
                        [&](dm_dev& d, sector_t dev_sector, sector_t off, sector_t run) {
                            if (d.bdev->fops == nullptr) return -EIO;
                            return d.bdev->fops->write_sectors(
                                k, *d.bdev, dev_sector,
                                buf.subspan(off << SECTOR_SHIFT, run << SECTOR_SHIFT));
                        });
    }
};

struct DmDaxOps final : dax_operations {
    // dm_dax_direct_access(): the live target at pgoff, its own dax_direct_access (linear_dax_pgoff,
    // stripe_dax_pgoff), and no more pages than stay inside the target or the stripe chunk.
    long direct_access(Kernel& k, dax_device* dax_dev, pgoff_t pgoff, long nr_pages, dax_access_mode mode,
                       u64* pfn) const override {
        const mapped_device& md = to_md(dax_dev);
        const sector_t sector = static_cast<sector_t>(pgoff) * PAGE_SECTORS;
        const dm_target* ti = dm_table_find_target(md, sector);
        if (ti == nullptr) return 0;
        const dm_map_result m = ti->type->map(*ti, sector - ti->begin);
        const dm_dev& d = *ti->stripes[m.stripe].dev;
        if (d.dax_dev == nullptr) return -EOPNOTSUPP;
        const long max_pages = static_cast<long>(m.max_len / PAGE_SECTORS);
        if (max_pages < 1) return 0;
        const u64 byte = d.dax_start + (m.dev_sector << SECTOR_SHIFT);
        return dax_direct_access(k, d.dax_dev, PHYS_PFN(byte), std::min(nr_pages, max_pages), mode, pfn);
    }

    int zero_page_range(Kernel& k, dax_device* dax_dev, pgoff_t pgoff, std::size_t nr_pages) const override {
        const mapped_device& md = to_md(dax_dev);
        return dm_split(md, static_cast<sector_t>(pgoff) * PAGE_SECTORS, nr_pages * PAGE_SECTORS,
                        [&](dm_dev& d, sector_t dev_sector, sector_t, sector_t run) {
                            if (d.dax_dev == nullptr) return -EOPNOTSUPP;
                            const u64 byte = d.dax_start + (dev_sector << SECTOR_SHIFT);
                            return dax_zero_page_range(k, d.dax_dev, PHYS_PFN(byte), run / PAGE_SECTORS);
                        });
    }
};

// The fsdax-rmap series' dm_dax_notify_failure (never merged; v6.8 has no holder in dm): the byte
// range of a target's dax_device becomes ranges of the mapped device, told to its own holder.
struct DmDaxHolderOps final : dax_holder_operations {
    int notify_failure(Kernel& k, dax_device* dax_dev, u64 offset, u64 len, int mf_flags) const override {
        auto* md = static_cast<mapped_device*>(dax_dev->holder_data);
        if (md == nullptr) return -EOPNOTSUPP;
        LayerScope scope(k, "dm", "dm_dax_notify_failure " + md->disk_name());
        // The hop itself (cost.holder) is charged by dax_holder_notify_failure, once per holder.
        if (md->dax_dev == nullptr) return -EOPNOTSUPP;
        if (mf_flags & MF_MEM_PRE_REMOVE) {
            // A target device is going away: the whole mapped device is, for its holder.
            return dax_holder_notify_failure(k, md->dax_dev, 0, std::numeric_limits<u64>::max(), mf_flags);
        }
        const u64 end =
            len > std::numeric_limits<u64>::max() - offset ? std::numeric_limits<u64>::max() : offset + len;
        int rc = -ENXIO; // stays when no target maps the range; else 0 or the first error
        for (const dm_target& ti : md->table) {
            const u64 dev_len = (ti.stripe_width ? ti.stripe_width : ti.len) << SECTOR_SHIFT;
            for (std::size_t s = 0; s < ti.stripes.size(); ++s) {
                const dm_dev& d = *ti.stripes[s].dev;
                if (d.dax_dev != dax_dev) continue;
                const u64 lo = d.dax_start + (ti.stripes[s].physical_start << SECTOR_SHIFT);
                const u64 a = std::max(lo, offset);
                const u64 b = std::min(lo + dev_len, end);
                if (a >= b) continue;
                ti.type->reverse(ti, s, a - lo, b - a, [&](u64 target_off, u64 run) {
                    const u64 md_off = (ti.begin << SECTOR_SHIFT) + target_off;
                    const int r = dax_holder_notify_failure(k, md->dax_dev, md_off, run, mf_flags);
                    if (rc == -ENXIO || (rc == 0 && r != 0)) rc = r;
                });
            }
        }
        return rc;
    }
};

const DmBlockOps dm_block_ops_instance;
const DmDaxOps dm_dax_ops_instance;
const DmDaxHolderOps dm_holder_ops_instance;

// dm_table_supports_dax(): every device can do DAX and every piece maps whole pages.
bool dm_table_supports_dax(const mapped_device& md) {
    for (const auto& d : md.devices)
        if (d->dax_dev == nullptr || d->dax_start % PAGE_SIZE != 0) return false;
    for (const dm_target& ti : md.table) {
        if (ti.begin % PAGE_SECTORS || ti.len % PAGE_SECTORS) return false;
        for (const dm_stripe& s : ti.stripes)
            if (s.physical_start % PAGE_SECTORS) return false;
    }
    return true;
}

} // namespace

const block_device_operations& dm_blk_ops() {
    return dm_block_ops_instance;
}
const dax_operations& dm_dax_ops() {
    return dm_dax_ops_instance;
}
const dax_holder_operations& dm_dax_holder_ops() {
    return dm_holder_ops_instance;
}

DmSubsystem::DmSubsystem(Kernel& k) : k_(k) {}
DmSubsystem::~DmSubsystem() = default;

int DmSubsystem::next_minor() const {
    // idr_alloc(): the lowest free minor.
    for (int m = 0;; ++m) {
        const bool used = std::any_of(devices_.begin(), devices_.end(),
                                      [m](const auto& e) { return e.second->minor == m; });
        if (!used) return m;
    }
}

mapped_device* DmSubsystem::find(const std::string& name) const {
    const auto it = devices_.find(name);
    return it == devices_.end() ? nullptr : it->second.get();
}

int DmSubsystem::create(const std::string& name, const std::vector<dm_table_line>& table,
                        mapped_device** out) {
    if (name.empty() || name.find('/') != std::string::npos) return -EINVAL;
    if (devices_.contains(name)) return -EBUSY; // dm_hash_insert: name already in use
    auto md = std::make_unique<mapped_device>();
    md->name = name;
    md->minor = next_minor();
    if (const int r = dm_table_load(k_, *md, table); r < 0) return r;

    md->bdev.name = md->disk_name();
    md->bdev.nr_sectors = md->size_sectors();
    md->bdev.fops = &dm_block_ops_instance;
    md->bdev.bd_disk_private = md.get();
    if (dm_table_supports_dax(*md)) {
        md->dax_dev = k_.dax().alloc_dax(md->disk_name(), md->size_sectors() / PAGE_SECTORS,
                                         &dm_dax_ops_instance, md.get());
        md->bdev.dax_dev = md->dax_dev;
    }
    bdev_alloc_inode(md->bdev);
    DeviceNode node;
    node.bdev = &md->bdev;
    node.fops = &def_blk_fops();
    k_.dev_nodes()[md->disk_name()] = node;
    k_.dev_nodes()["mapper/" + name] = node;
    if (out) *out = md.get();
    devices_.emplace(name, std::move(md));
    return 0;
}

int DmSubsystem::remove(const std::string& name) {
    const auto it = devices_.find(name);
    if (it == devices_.end()) return -ENXIO;
    mapped_device& md = *it->second;
    // dm_lock_for_deletion(): open (a mounted file system, another table) means busy.
    if (md.bdev.bd_holder != nullptr || (md.dax_dev && md.dax_dev->holder_data != nullptr)) return -EBUSY;
    k_.dev_nodes().erase(md.disk_name());
    k_.dev_nodes().erase("mapper/" + name);
    if (md.dax_dev) {
        kill_dax(k_, md.dax_dev);
        k_.dax().put_dax(md.dax_dev);
    }
    dm_table_destroy(k_, md);
    md.bdev.fops = nullptr;
    removed_.push_back(std::move(it->second));
    devices_.erase(it);
    return 0;
}

} // namespace daxsim::kernel
