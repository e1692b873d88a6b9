#include "guest_api/kernel/errno.h"

#include "guest_api/fs/xfs/xfs_file.h"

#include <algorithm>

#include "guest_api/fs/dax.h"
#include "guest_api/fs/xfs/xfs_bmap.h"
#include "guest_api/fs/xfs/xfs_inode.h"
#include "guest_api/fs/xfs/xfs_iomap.h"
#include "guest_api/fs/xfs/xfs_reflink.h"
#include "guest_api/kernel/kernel.h"
#include "guest_api/syscalls.h"

namespace daxsim::kernel {
namespace {

xfs_inode& file_ip(file& f) { return XFS_I(*f.f_inode); }

// Zeroes the written blocks of [pos, pos+len) (xfs_zero_range): holes and unwritten extents already
// read as zeros. Shared blocks are CoWed by the write path, as iomap_zero_range does.
int xfs_zero_range(xfs_mount& mp, xfs_inode& ip, loff_t pos, loff_t len) {
    const xfs_sb& sb = mp.sb();
    const loff_t end = pos + len;
    const xfs_fileoff_t off = XFS_B_TO_FSBT(sb, static_cast<u64>(pos));
    const xfs_fileoff_t fend = XFS_B_TO_FSB(sb, static_cast<u64>(end));
    for (const xfs_bmbt_irec& piece : xfs_bmapi_read(ip.i_df, off, fend - off)) {
        if (piece.is_hole() || piece.br_unwritten) continue;
        const loff_t s = std::max(pos, static_cast<loff_t>(XFS_FSB_TO_B(sb, piece.br_startoff)));
        const loff_t e = std::min(end, static_cast<loff_t>(XFS_FSB_TO_B(sb, piece.end())));
        const std::vector<std::byte> zeros(static_cast<std::size_t>(e - s));
        iov_iter it{{}, zeros, true};
        const loff_t saved = ip.i_size;
        ip.i_size = std::max(ip.i_size, e);   // zeroing never changes the size
        const ssize_t n = dax_iomap_rw(mp.k(), ip, s, it, xfs_dax_write_iomap_ops);
        ip.i_size = saved;
        if (n < 0) return static_cast<int>(n);
    }
    return 0;
}

// xfs_free_file_space: zero the partial blocks at both ends, unmap the whole blocks between.
int xfs_free_file_space(xfs_mount& mp, xfs_inode& ip, loff_t off, loff_t len) {
    const xfs_sb& sb = mp.sb();
    const u64 start_fsb = XFS_B_TO_FSB(sb, static_cast<u64>(off));
    const u64 end_fsb = XFS_B_TO_FSBT(sb, static_cast<u64>(off + len));
    const loff_t whole_start = static_cast<loff_t>(XFS_FSB_TO_B(sb, start_fsb));
    const loff_t whole_end = static_cast<loff_t>(XFS_FSB_TO_B(sb, end_fsb));
    if (whole_start >= whole_end) return xfs_zero_range(mp, ip, off, len);
    if (off < whole_start)
        if (const int err = xfs_zero_range(mp, ip, off, whole_start - off); err) return err;
    if (off + len > whole_end)
        if (const int err = xfs_zero_range(mp, ip, whole_end, off + len - whole_end); err) return err;
    dax_unmap_mapping_range(*ip.i_mapping, static_cast<u64>(whole_start), static_cast<u64>(whole_end - whole_start), false);
    xfs_reflink_cancel_cow_range(mp, ip, start_fsb, end_fsb - start_fsb);
    xfs_bunmapi(mp, ip, start_fsb, end_fsb - start_fsb);
    return 0;
}

// xfs_alloc_file_space: unwritten extents over the holes of the range.
int xfs_alloc_file_space(xfs_mount& mp, xfs_inode& ip, loff_t off, loff_t len) {
    const xfs_sb& sb = mp.sb();
    const xfs_fileoff_t start = XFS_B_TO_FSBT(sb, static_cast<u64>(off));
    const xfs_fileoff_t end = XFS_B_TO_FSB(sb, static_cast<u64>(off + len));
    for (const xfs_bmbt_irec& piece : xfs_bmapi_read(ip.i_df, start, end - start)) {
        if (!piece.is_hole()) continue;
        for (u64 done = 0; done < piece.br_blockcount;) {
            xfs_bmbt_irec got;
            if (const int err = xfs_bmapi_write(mp, ip, piece.br_startoff + done, piece.br_blockcount - done, true, &got); err)
                return err;
            done += got.br_blockcount;
        }
    }
    return 0;
}

struct xfs_file_operations_impl final : file_operations {
    ssize_t read(Kernel& k, file& f, std::span<std::byte> buf, loff_t pos) const override {
        xfs_inode& ip = file_ip(f);
        if (xfs_is_shutdown(*ip.i_mount)) return -EIO;
        if (pos < 0) return -EINVAL;
        iov_iter it{buf, {}, false};
        return dax_iomap_rw(k, ip, pos, it, xfs_read_iomap_ops);
    }

    ssize_t write(Kernel& k, file& f, std::span<const std::byte> buf, loff_t pos) const override {
        xfs_inode& ip = file_ip(f);
        xfs_mount& mp = *ip.i_mount;
        if (xfs_is_shutdown(mp)) return -EIO;
        if (mp.s_readonly) return -EROFS;
        if (pos < 0) return -EINVAL;
        if (buf.empty()) return 0;
        iov_iter it{{}, buf, true};
        const ssize_t n = dax_iomap_rw(k, ip, pos, it, xfs_dax_write_iomap_ops);
        if (n > 0 && pos + n > ip.i_size) {
            ip.i_size = pos + n;
            xfs_trans_log_inode(mp, ip);
        }
        return n;
    }

    // xfs_file_mmap: DAX mappings get the DAX fault handlers and may use PMDs.
    int mmap(Kernel& k, file& f, vm_area_struct& vma) const override {
        (void)k;
        xfs_inode& ip = file_ip(f);
        if (xfs_is_shutdown(*ip.i_mount)) return -EIO;
        vma.vm_ops = &xfs_file_vm_ops;
        vma.vm_flags |= VM_HUGEPAGE | VM_MIXEDMAP;
        return 0;
    }

    int fsync(Kernel& k, file& f, loff_t start, loff_t end) const override {
        (void)start;
        (void)end;
        xfs_inode& ip = file_ip(f);
        if (xfs_is_shutdown(*ip.i_mount)) return -EIO;
        return dax_writeback_mapping_range(k, *ip.i_mapping);
    }

    int fallocate(Kernel& k, file& f, int mode, loff_t off, loff_t len) const override {
        (void)k;
        xfs_inode& ip = file_ip(f);
        xfs_mount& mp = *ip.i_mount;
        constexpr int supported = FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | FALLOC_FL_UNSHARE_RANGE;
        if (mode & ~supported) return -EOPNOTSUPP;
        if (xfs_is_shutdown(mp)) return -EIO;
        if (mp.s_readonly) return -EROFS;
        if (mode & FALLOC_FL_PUNCH_HOLE) {
            if (off >= ip.i_size) return 0;
            return xfs_free_file_space(mp, ip, off, std::min(len, ip.i_size - off));
        }
        if (mode & FALLOC_FL_UNSHARE_RANGE) {
            if (const int err = xfs_reflink_unshare(mp, ip, off, len); err) return err;
        } else if (const int err = xfs_alloc_file_space(mp, ip, off, len); err) {
            return err;
        }
        if (!(mode & FALLOC_FL_KEEP_SIZE) && off + len > ip.i_size) {
            ip.i_size = off + len;
            xfs_trans_log_inode(mp, ip);
        }
        return 0;
    }
};

// xfs_filemap_fault / xfs_filemap_huge_fault / xfs_filemap_page_mkwrite. Read faults on holes allocate
// zeroed blocks too (the kernel maps the shared zero page instead): every mapped page has a real pfn.
vm_fault_t xfs_dax_fault(vm_fault& vmf, PageSize order) {
    xfs_mount& mp = *XFS_I(*vmf.vma->vm_file->f_inode).i_mount;
    Kernel& k = mp.k();
    if (xfs_is_shutdown(mp)) return VM_FAULT_SIGBUS;
    return dax_iomap_fault(k, vmf, order, xfs_dax_write_iomap_ops);
}

struct xfs_file_vm_ops_impl final : vm_operations_struct {
    vm_fault_t fault(vm_fault& vmf) const override { return xfs_dax_fault(vmf, PageSize::pte); }
    vm_fault_t huge_fault(vm_fault& vmf) const override {
        if (vmf.order != PageSize::pmd) return VM_FAULT_FALLBACK;
        return xfs_dax_fault(vmf, PageSize::pmd);
    }
    vm_fault_t page_mkwrite(vm_fault& vmf) const override {
        vmf.flags |= FAULT_FLAG_WRITE;
        return xfs_dax_fault(vmf, vmf.order);
    }
};

const xfs_file_operations_impl file_ops_instance;
const xfs_file_vm_ops_impl vm_ops_instance;

} // namespace

const file_operations& xfs_file_operations = file_ops_instance;
const vm_operations_struct& xfs_file_vm_ops = vm_ops_instance;

int xfs_setattr_size(xfs_mount& mp, xfs_inode& ip, loff_t newsize) {
    if (xfs_is_shutdown(mp)) return -EIO;
    if (mp.s_readonly) return -EROFS;
    if (newsize < 0) return -EINVAL;
    const xfs_sb& sb = mp.sb();
    if (newsize < ip.i_size) {
        // The rest of the new last block must read as zeros (xfs_truncate_page), the blocks past it go.
        const auto block_end = static_cast<loff_t>(XFS_FSB_TO_B(sb, XFS_B_TO_FSB(sb, static_cast<u64>(newsize))));
        if (block_end > newsize)
            if (const int err = xfs_zero_range(mp, ip, newsize, block_end - newsize); err) return err;
        const xfs_fileoff_t first = XFS_B_TO_FSB(sb, static_cast<u64>(newsize));
        const u64 all = (~u64{0} >> 1) - first;
        dax_unmap_mapping_range(*ip.i_mapping, XFS_FSB_TO_B(sb, first), ~u64{0} >> 2, false);
        xfs_reflink_cancel_cow_range(mp, ip, first, all);
        xfs_bunmapi(mp, ip, first, all);
    }
    ip.i_size = newsize;
    xfs_trans_log_inode(mp, ip);
    return 0;
}

int xfs_vn_fiemap(xfs_mount& mp, xfs_inode& ip, std::vector<fiemap_extent>* out) {
    if (xfs_is_shutdown(mp)) return -EIO;
    out->clear();
    if (ip.i_df.empty()) return 0;
    const u64 end = XFS_FSB_TO_B(mp.sb(), std::prev(ip.i_df.end())->second.end());
    loff_t pos = 0;
    while (static_cast<u64>(pos) < end) {
        iomap map;
        iomap srcmap;
        if (const int err = xfs_read_iomap_ops.iomap_begin(mp.k(), ip, pos, static_cast<loff_t>(end) - pos,
                                                           IOMAP_REPORT, map, srcmap); err)
            return err;
        if (map.type != iomap_type::HOLE) {
            fiemap_extent fe;
            fe.fe_logical = static_cast<u64>(map.offset);
            fe.fe_physical = map.addr - mp.s_dax_part_off;
            fe.fe_length = map.length;
            if (map.type == iomap_type::UNWRITTEN) fe.fe_flags |= FIEMAP_EXTENT_UNWRITTEN;
            if (map.flags & IOMAP_F_SHARED) fe.fe_flags |= FIEMAP_EXTENT_SHARED;
            out->push_back(fe);
        }
        pos = map.offset + static_cast<loff_t>(map.length);
    }
    if (!out->empty()) out->back().fe_flags |= FIEMAP_EXTENT_LAST;
    return 0;
}

} // namespace daxsim::kernel
