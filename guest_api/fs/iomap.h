// struct iomap and iomap_ops (include/linux/iomap.h): how a file system tells fs/dax where a file
// range lives. For DAX, iomap::addr is the byte offset inside the dax_device (the file system adds the
// partition offset, as xfs_bmbt_to_iomap does with IOMAP_DAX).
#pragma once

#include "guest_api/kernel/types.h"

namespace daxsim::kernel {

class Kernel;
struct block_device;
struct dax_device;
struct inode;

enum class iomap_type { HOLE, DELALLOC, MAPPED, UNWRITTEN, INLINE };

inline constexpr u64 IOMAP_NULL_ADDR = ~u64{0};

// iomap::flags
inline constexpr unsigned IOMAP_F_NEW = 1u << 0;     // freshly allocated (zeroed for DAX)
inline constexpr unsigned IOMAP_F_DIRTY = 1u << 1;
inline constexpr unsigned IOMAP_F_SHARED = 1u << 2;  // shared extent: writes go to a CoW copy

// iomap_begin flags (what the caller is doing)
inline constexpr unsigned IOMAP_WRITE = 1u << 0;
inline constexpr unsigned IOMAP_ZERO = 1u << 1;
inline constexpr unsigned IOMAP_REPORT = 1u << 2;
inline constexpr unsigned IOMAP_FAULT = 1u << 3;
inline constexpr unsigned IOMAP_DIRECT = 1u << 4;
inline constexpr unsigned IOMAP_UNSHARE = 1u << 7;
inline constexpr unsigned IOMAP_DAX = 1u << 8;

struct iomap {
    u64 addr = IOMAP_NULL_ADDR;   // byte offset in dax_dev of `offset`
    loff_t offset = 0;            // file offset of the mapping
    u64 length = 0;
    iomap_type type = iomap_type::HOLE;
    unsigned flags = 0;
    block_device* bdev = nullptr;
    dax_device* dax_dev = nullptr;
};

struct iomap_ops {
    virtual ~iomap_ops() = default;
    // Maps [pos, pos+length) (or a prefix of it); srcmap is the old data for a CoW write.
    virtual int iomap_begin(Kernel& k, inode& ino, loff_t pos, loff_t length, unsigned flags, iomap& map,
                            iomap& srcmap) const = 0;
    // Ends the operation on [pos, pos+length) of which `written` bytes were done.
    virtual int iomap_end(Kernel& k, inode& ino, loff_t pos, loff_t length, ssize_t written, unsigned flags,
                          iomap& map) const {
        (void)k; (void)ino; (void)pos; (void)length; (void)written; (void)flags; (void)map;
        return 0;
    }
};

} // namespace daxsim::kernel
