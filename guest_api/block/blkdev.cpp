// block/bdev.c (exclusive claim) and block/fops.c (def_blk_fops): byte I/O on a block device node.
#include "guest_api/kernel/errno.h"

#include "guest_api/block/blkdev.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "guest_api/kernel/kernel.h"

namespace daxsim::kernel {

int bd_claim(block_device& bdev, const void* holder, const blk_holder_ops* ops) {
    if (bdev.bd_holder != nullptr && bdev.bd_holder != holder) return -EBUSY;
    bdev.bd_holder = holder;
    if (ops != nullptr) bdev.bd_holder_ops = ops;
    return 0;
}

void bd_release(block_device& bdev, const void* holder) {
    if (bdev.bd_holder != holder) return;
    bdev.bd_holder = nullptr;
    bdev.bd_holder_ops = nullptr;
}

void bdev_mark_dead(Kernel& k, block_device& bdev, bool surprise) {
    if (bdev.bd_holder_ops != nullptr) bdev.bd_holder_ops->mark_dead(k, bdev, surprise);
}

void bdev_alloc_inode(block_device& bdev) {
    auto ino = std::make_shared<bdev_inode>();
    ino->type = inode_type::block_dev;
    ino->i_size = static_cast<loff_t>(bdev.size_bytes());
    ino->bdev = &bdev;
    ino->i_fop = &def_blk_fops();
    bdev.bd_inode = std::move(ino);
}

block_device* I_BDEV(const inode* ino) {
    const auto* b = dynamic_cast<const bdev_inode*>(ino);
    return b ? b->bdev : nullptr;
}

namespace {

constexpr u64 SECTOR_SIZE = u64{1} << SECTOR_SHIFT;

// Clamps [pos, pos + len) to the device; returns the byte count to transfer (0 at or past the end).
u64 clamp_to_device(const block_device& bdev, loff_t pos, u64 len) {
    const u64 size = bdev.size_bytes();
    if (pos < 0 || static_cast<u64>(pos) >= size) return 0;
    return std::min(len, size - static_cast<u64>(pos));
}

} // namespace

ssize_t blkdev_read(Kernel& k, block_device& bdev, std::span<std::byte> buf, loff_t pos) {
    if (pos < 0) return -EINVAL;
    if (bdev.fops == nullptr) return -ENXIO;
    const u64 len = clamp_to_device(bdev, pos, buf.size());
    u64 done = 0;
    std::array<std::byte, SECTOR_SIZE> bounce{};
    while (done < len) {
        const u64 at = static_cast<u64>(pos) + done;
        const sector_t sector = at >> SECTOR_SHIFT;
        const u64 in_sector = at % SECTOR_SIZE;
        if (in_sector == 0 && len - done >= SECTOR_SIZE) {
            // Whole sectors go straight to the driver.
            const u64 n = (len - done) & ~(SECTOR_SIZE - 1);
            const int rc = bdev.fops->read_sectors(k, bdev, sector, buf.subspan(done, n));
            if (rc < 0) return done ? static_cast<ssize_t>(done) : rc;
            done += n;
            continue;
        }
        const int rc = bdev.fops->read_sectors(k, bdev, sector, bounce);
        if (rc < 0) return done ? static_cast<ssize_t>(done) : rc;
        const u64 n = std::min(SECTOR_SIZE - in_sector, len - done);
        std::memcpy(buf.data() + done, bounce.data() + in_sector, n);
        done += n;
    }
    return static_cast<ssize_t>(done);
}

ssize_t blkdev_write(Kernel& k, block_device& bdev, std::span<const std::byte> buf, loff_t pos) {
    if (pos < 0) return -EINVAL;
    if (bdev.fops == nullptr) return -ENXIO;
    if (bdev.read_only) return -EPERM;
    if (!buf.empty() && static_cast<u64>(pos) >= bdev.size_bytes()) return -ENOSPC;
    const u64 len = clamp_to_device(bdev, pos, buf.size());
    u64 done = 0;
    std::array<std::byte, SECTOR_SIZE> bounce{};
    while (done < len) {
        const u64 at = static_cast<u64>(pos) + done;
        const sector_t sector = at >> SECTOR_SHIFT;
        const u64 in_sector = at % SECTOR_SIZE;
        if (in_sector == 0 && len - done >= SECTOR_SIZE) {
            const u64 n = (len - done) & ~(SECTOR_SIZE - 1);
            const int rc = bdev.fops->write_sectors(k, bdev, sector, buf.subspan(done, n));
            if (rc < 0) return done ? static_cast<ssize_t>(done) : rc;
            done += n;
            continue;
        }
        // A partial sector is read, modified and written back, as the page cache does: a bad sector
        // fails the read, so a partial write cannot clear poison (only a whole-sector write can).
        int rc = bdev.fops->read_sectors(k, bdev, sector, bounce);
        if (rc < 0) return done ? static_cast<ssize_t>(done) : rc;
        const u64 n = std::min(SECTOR_SIZE - in_sector, len - done);
        std::memcpy(bounce.data() + in_sector, buf.data() + done, n);
        rc = bdev.fops->write_sectors(k, bdev, sector, bounce);
        if (rc < 0) return done ? static_cast<ssize_t>(done) : rc;
        done += n;
    }
    return static_cast<ssize_t>(done);
}

namespace {

struct BlkFops final : file_operations {
    ssize_t read(Kernel& k, file& f, std::span<std::byte> buf, loff_t pos) const override {
        block_device* bdev = I_BDEV(f.f_inode.get());
        return bdev ? blkdev_read(k, *bdev, buf, pos) : -ENXIO;
    }
    ssize_t write(Kernel& k, file& f, std::span<const std::byte> buf, loff_t pos) const override {
        block_device* bdev = I_BDEV(f.f_inode.get());
        return bdev ? blkdev_write(k, *bdev, buf, pos) : -ENXIO;
    }
    // Block-device mappings go through the page cache, which this kernel does not model.
    int mmap(Kernel&, file&, vm_area_struct&) const override { return -ENODEV; }
};

const BlkFops blk_fops;

} // namespace

const file_operations& def_blk_fops() { return blk_fops; }

} // namespace daxsim::kernel
