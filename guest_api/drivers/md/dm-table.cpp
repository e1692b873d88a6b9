// drivers/md/dm-table.c: building a table from dmsetup's lines (contiguous from sector 0, each target
// inside its devices) and opening the devices it names exclusively (dm_get_device).
#include "guest_api/kernel/errno.h"

#include <algorithm>

#include <fmt/format.h>

#include "guest_api/drivers/md/dm.h"
#include "guest_api/kernel/kernel.h"

namespace daxsim::kernel {

namespace {

void dmerr(Kernel& k, const std::string& sub, const std::string& msg) {
    k.printk(LogLevel::err, "device-mapper: " + sub + ": " + msg);
}

// %pe of an error pointer.
std::string errname(int r) {
    switch (-r) {
    case EINVAL:
        return "-EINVAL";
    case EBUSY:
        return "-EBUSY";
    case ENODEV:
        return "-ENODEV";
    case ENXIO:
        return "-ENXIO";
    case ENOMEM:
        return "-ENOMEM";
    default:
        return std::to_string(r);
    }
}

const target_type* dm_get_target_type(const std::string& name) {
    if (name == "linear") return &dm_linear_target();
    if (name == "striped") return &dm_stripe_target();
    return nullptr;
}

} // namespace

int dm_get_device(Kernel& k, mapped_device& md, dm_target& ti, const std::string& path, sector_t start,
                  sector_t len, dm_dev** out) {
    (void)ti;
    const std::string name = path.starts_with("/dev/") ? path.substr(5) : path;
    const auto node = k.dev_nodes().find(name);
    if (node == k.dev_nodes().end() || node->second.bdev == nullptr) return -ENODEV;
    block_device& bdev = *node->second.bdev;
    if (&bdev == &md.bdev) return -EINVAL;
    // device_area_is_invalid().
    if (start + len < start || start + len > bdev.nr_sectors) {
        dmerr(k, "table",
              fmt::format("{}: {} too small for target: start={}, len={}, dev_size={}", md.dev_t_name(),
                          bdev.name, start, len, bdev.nr_sectors));
        return -EINVAL;
    }
    for (const auto& d : md.devices)
        if (d->bdev == &bdev) {
            *out = d.get();
            return 0;
        }
    // bdev_open_by_dev(..., holder = the table): a mounted device or another table's device is busy.
    // (Mainline shares one claim pointer among all tables; daxsim's contract makes a device usable
    // by one mapped device at a time, which the single dax holder also requires in forward mode.)
    if (const int r = bd_claim(bdev, &md); r < 0) return r;
    auto d = std::make_unique<dm_dev>();
    d->path = path;
    d->bdev = &bdev;
    int err = 0;
    if (k.config().dm_notify_failure == DmNotifyFailure::forward) {
        // The fsdax-rmap series: the table's mapped device holds the target's dax_device.
        d->dax_dev = fs_dax_get_by_bdev(&bdev, &d->dax_start, &md, &dm_dax_holder_ops(), &err);
        d->holder = d->dax_dev != nullptr;
    } else {
        // Mainline (v6.8 dm_get_table_device): fs_dax_get_by_bdev(bdev, &part_off, NULL, NULL).
        d->dax_dev = fs_dax_get_by_bdev(&bdev, &d->dax_start, nullptr, nullptr, &err);
    }
    if (d->dax_dev == nullptr && err == -EBUSY) {
        bd_release(bdev, &md);
        return -EBUSY;
    }
    *out = d.get();
    md.devices.push_back(std::move(d));
    return 0;
}

int dm_table_load(Kernel& k, mapped_device& md, const std::vector<dm_table_line>& lines) {
    md.table.clear();
    for (const dm_table_line& line : lines) {
        dm_target ti;
        ti.begin = line.start;
        ti.len = line.len;
        int r = 0;
        ti.type = dm_get_target_type(line.type);
        if (ti.type == nullptr) {
            ti.error = "unknown target type";
            r = -EINVAL;
        } else if (ti.len == 0) {
            ti.error = "zero-length target";
            r = -EINVAL;
        } else if (ti.begin != md.size_sectors()) {
            // adjoin(): the first target starts at 0, each next one where the previous ended.
            ti.error = "Gap in table";
            r = -EINVAL;
        } else {
            r = ti.type->ctr(k, md, ti, line.args);
        }
        if (r < 0) {
            dmerr(k, "table",
                  fmt::format("{}: {}: {} ({})", md.dev_t_name(), line.type, ti.error, errname(r)));
            dmerr(k, "ioctl", "error adding target to table");
            dm_table_destroy(k, md);
            return r;
        }
        md.table.push_back(std::move(ti));
    }
    if (md.table.empty()) {
        dmerr(k, "ioctl", "table load rejected: no targets");
        return -EINVAL;
    }
    return 0;
}

void dm_table_destroy(Kernel& k, mapped_device& md) {
    (void)k;
    for (const auto& d : md.devices) {
        if (d->holder) fs_put_dax(d->dax_dev, &md);
        bd_release(*d->bdev, &md);
    }
    md.devices.clear();
    md.table.clear();
}

const dm_target* dm_table_find_target(const mapped_device& md, sector_t sector) {
    const auto it = std::upper_bound(md.table.begin(), md.table.end(), sector,
                                     [](sector_t s, const dm_target& ti) { return s < ti.begin; });
    if (it == md.table.begin()) return nullptr;
    const dm_target& ti = *std::prev(it);
    return sector < ti.begin + ti.len ? &ti : nullptr;
}

} // namespace daxsim::kernel
