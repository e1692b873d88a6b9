// Block devices (include/linux/blkdev.h, blk_types.h): /dev/pmem0, /dev/dm-0. DAX file systems only use
// them to find their dax_device and to claim the device exclusively; tools read and write them through
// the block-device file operations (def_blk_fops), which call the driver (block_device_operations).
#pragma once

#include <memory>
#include <span>
#include <string>

#include "guest_api/fs/fs.h"
#include "guest_api/kernel/types.h"

namespace daxsim::kernel {

class Kernel;
struct block_device;
struct dax_device;

// The driver's I/O entry (submit_bio in the kernel), reduced to whole 512-byte sectors: `buf.size()`
// is a multiple of 512 and [sector, sector + buf.size() / 512) lies inside the device. 0 or -errno.
struct block_device_operations {
    virtual ~block_device_operations() = default;
    virtual int read_sectors(Kernel& k, block_device& bdev, sector_t sector, std::span<std::byte> buf) const = 0;
    virtual int write_sectors(Kernel& k, block_device& bdev, sector_t sector, std::span<const std::byte> buf) const = 0;
};

// What the exclusive holder of a block device hears (include/linux/blkdev.h blk_holder_ops). v6.8:
// filesystems use fs_holder_ops, whose mark_dead syncs (unless surprise) and calls the superblock's
// ->shutdown (XFS: SHUTDOWN_DEVICE_REMOVED).
struct blk_holder_ops {
    virtual ~blk_holder_ops() = default;
    virtual void mark_dead(Kernel& k, block_device& bdev, bool surprise) const = 0;
};

struct block_device {
    std::string name;            // "pmem0", "dm-0"; the node is /dev/<name> (dm also /dev/mapper/<alias>)
    sector_t nr_sectors = 0;     // capacity in 512-byte sectors
    dax_device* dax_dev = nullptr; // nullptr when the device cannot do DAX
    u64 dax_offset = 0;          // byte offset of sector 0 inside dax_dev (partitions, dm targets)
    const void* bd_holder = nullptr; // exclusive claimer (a super_block, a mapped_device); EBUSY for others
    const blk_holder_ops* bd_holder_ops = nullptr; // the claimer's callbacks (nullptr: none)
    bool read_only = false;
    // Additions for I/O through /dev nodes:
    const block_device_operations* fops = nullptr; // the driver (pmem, dm); nullptr: no I/O
    void* bd_disk_private = nullptr;               // the driver's device (pmem_device, mapped_device)
    std::shared_ptr<inode> bd_inode;               // the /dev node's inode (type block_dev): I_BDEV()

    [[nodiscard]] u64 size_bytes() const { return nr_sectors << SECTOR_SHIFT; }
};

// Exclusive open (blkdev_get_by_path with FMODE_EXCL / bdev_open_by_path with a holder): 0 or -EBUSY.
int bd_claim(block_device& bdev, const void* holder, const blk_holder_ops* ops = nullptr);
void bd_release(block_device& bdev, const void* holder);
// block/bdev.c bdev_mark_dead(): the device is going away (del_gendisk); its holder is told.
void bdev_mark_dead(Kernel& k, block_device& bdev, bool surprise);

// The inode of a block device node knows its device (fs/bdev.c's bdev_inode).
struct bdev_inode : inode {
    block_device* bdev = nullptr;
};
// Creates bdev.bd_inode (type block_dev, i_size = capacity); drivers call it when adding the disk.
void bdev_alloc_inode(block_device& bdev);
// The block device behind a block-device inode, or nullptr.
[[nodiscard]] block_device* I_BDEV(const inode* ino);

// block/fops.c def_blk_fops: byte-granular read/write on /dev/NAME through the driver, as buffered
// block I/O does (a partial sector is read, modified and written back); mmap is not supported (-ENODEV).
[[nodiscard]] const file_operations& def_blk_fops();
// The same I/O without a file (tools that open the device node, tests).
ssize_t blkdev_read(Kernel& k, block_device& bdev, std::span<std::byte> buf, loff_t pos);
ssize_t blkdev_write(Kernel& k, block_device& bdev, std::span<const std::byte> buf, loff_t pos);

} // namespace daxsim::kernel
