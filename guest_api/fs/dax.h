// fs/dax.c: file I/O, page faults, CoW copies and dedupe comparison straight on persistent memory,
// driven by a file system's iomap_ops. Follows Linux v6.8.
#pragma once

#include <cstddef>
#include <span>

#include "guest_api/fs/iomap.h"
#include "guest_api/kernel/types.h"
#include "guest_api/mm/mm_types.h"

namespace daxsim::kernel {

class Kernel;
struct address_space;
struct inode;

// The user buffer of a read or write (struct iov_iter reduced to one segment).
struct iov_iter {
    std::span<std::byte> read_buf;          // destination of a read
    std::span<const std::byte> write_buf;   // source of a write
    bool write = false;
    [[nodiscard]] std::size_t count() const { return write ? write_buf.size() : read_buf.size(); }
};

// read(2)/write(2) on a DAX file: bytes done, or -errno when nothing was done. A read that meets poison
// returns the bytes before it (short read); with nothing read, -EIO. CoW writes (IOMAP_F_SHARED) are
// counted in cow.events / cow.latency_ns, their copies in cow.copy_bytes.
ssize_t dax_iomap_rw(Kernel& k, inode& ino, loff_t pos, iov_iter& iter, const iomap_ops& ops);

// Copies the parts of the pages of [pos, pos+length) that the write does not cover from srcmap into
// the new blocks at dst_spa (the SPA of the first page), as v6.8 does: when both ends are aligned to
// align_size it copies all `length` bytes (copy_all, the fault case); else the head [page start, pos)
// and the tail [pos+length, page end). A HOLE or UNWRITTEN srcmap zeroes instead. 0 or -EIO.
int dax_iomap_copy_around(Kernel& k, loff_t pos, u64 length, u64 align_size, const iomap& srcmap, u64 dst_spa);

// The DAX fault handler (dax_iomap_fault): order pte or pmd. Fills vmf.pfn and returns VM_FAULT_NOPAGE,
// or VM_FAULT_FALLBACK (pmd not possible), VM_FAULT_SIGBUS, VM_FAULT_HWPOISON.
vm_fault_t dax_iomap_fault(Kernel& k, vm_fault& vmf, PageSize order, const iomap_ops& ops);

// FIDEDUPERANGE's comparison (dax_dedupe_file_range_compare): reads both ranges with copy_mc_to_kernel
// page by page, stops at the first difference; counts dedupe.compare_bytes. 0 or -EIO.
int dax_dedupe_file_range_compare(Kernel& k, inode& src, loff_t srcoff, inode& dst, loff_t dstoff, loff_t len,
                                  bool* same, const iomap_ops& ops);

// FALLOC_FL_UNSHARE_RANGE on DAX (dax_file_unshare): copies every shared block of the range to new blocks.
int dax_file_unshare(Kernel& k, inode& ino, loff_t pos, loff_t len, const iomap_ops& ops);

// fsync/msync: writes back (clwb) every dirty page mapped from this file, write-protects it again
// (dax_entry_mkclean), then fences.
int dax_writeback_mapping_range(Kernel& k, address_space& mapping);

// Removes the page-table entries mapping file bytes [start, start+len) from every VMA of the mapping
// (unmap_mapping_range); with wrprotect_only they stay but become read-only.
void dax_unmap_mapping_range(address_space& mapping, u64 start, u64 len, bool wrprotect_only);

} // namespace daxsim::kernel
