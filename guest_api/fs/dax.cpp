#include "guest_api/kernel/errno.h"

#include "guest_api/fs/dax.h"

#include <algorithm>
#include <vector>

#include "guest_api/arch/copy_mc.h"
#include "guest_api/drivers/dax/dax.h"
#include "guest_api/fs/fs.h"
#include "guest_api/kernel/kernel.h"

namespace daxsim::kernel {
namespace {

constexpr u64 PMD_SIZE = u64{1} << PMD_SHIFT;

u64 align_up(u64 v, u64 a) { return (v + a - 1) / a * a; }

// trace.json: one step of a CoW (copy head/tail, write, remap) as a span on the fsdax track, drawn when
// the step ends; the spans nest inside the span of the whole CoW write or fault.
constexpr const char* kCowTrack = "kernel.fsdax";
class CowSpan {
  public:
    CowSpan(Kernel& k, const char* name, bool on = true)
        : k_(k), name_(name), start_ns_(k.now_ns()), on_(on && k.tracer().enabled()) {}
    ~CowSpan() {
        if (on_) k_.tracer().complete(kCowTrack, name_, start_ns_, k_.now_ns() - start_ns_);
    }
    CowSpan(const CowSpan&) = delete;
    CowSpan& operator=(const CowSpan&) = delete;

  private:
    Kernel& k_;
    const char* name_;
    std::uint64_t start_ns_;
    bool on_;
};

// dax_iomap_direct_access: the SPA of file byte `pos` of the mapping and how many bytes from there are
// contiguous (at most `size`, counted from pos's page start). -errno from the driver.
long direct_access(Kernel& k, const iomap& map, loff_t pos, u64 size, dax_access_mode mode, u64* spa) {
    const u64 dev_off = map.addr + static_cast<u64>(pos - map.offset);
    const u64 pgoff = dev_off >> PAGE_SHIFT;
    const u64 in_page = dev_off & (PAGE_SIZE - 1);
    const long want = static_cast<long>(PHYS_PFN(align_up(size + in_page, PAGE_SIZE)));
    u64 pfn = 0;
    const long pages = dax_direct_access(k, map.dax_dev, pgoff, want, mode, &pfn);
    if (pages < 0) return pages;
    *spa = PFN_PHYS(pfn) + in_page;
    return pages;
}

// dax_mem2blk_err
int mem2blk_err(long err) { return err == -EHWPOISON ? -EIO : static_cast<int>(err); }

// Copies len bytes from src_spa to dst_spa through a kernel buffer, machine-check safe. 0 or -EIO.
int copy_pmem(Kernel& k, u64 dst_spa, u64 src_spa, u64 len) {
    std::vector<std::byte> buf(len);
    if (copy_mc_to_kernel(k, buf, src_spa) != 0) return -EIO;
    memcpy_flushcache(k, dst_spa, buf);
    k.stats().cow_copy_bytes += len;
    return 0;
}

void zero_pmem(Kernel& k, u64 dst_spa, u64 len) {
    const std::vector<std::byte> zeros(len);
    memcpy_flushcache(k, dst_spa, zeros);
}

// dax_iomap_iter: one iomap's worth of a read or write. Bytes done, or -errno when none.
ssize_t dax_iomap_iter(Kernel& k, inode& ino, const iomap& map, const iomap& srcmap, loff_t pos, u64 length,
                       iov_iter& iter, std::size_t done_before) {
    loff_t end = pos + static_cast<loff_t>(length);
    if (!iter.write) {
        end = std::min(end, ino.i_size);
        if (pos >= end) return 0;
        if (map.type == iomap_type::HOLE || map.type == iomap_type::UNWRITTEN) {
            auto dst = iter.read_buf.subspan(done_before, static_cast<std::size_t>(end - pos));
            std::fill(dst.begin(), dst.end(), std::byte{0});
            return end - pos;
        }
    }
    const bool cow = iter.write && (map.flags & IOMAP_F_SHARED);
    // DAX writes are pure overwrites of written extents, or CoW.
    if (iter.write && map.type != iomap_type::MAPPED && !cow) return -EIO;
    // New blocks or a CoW: mappings of the old pages must go so that mmap sees the new data.
    if (iter.write && ((map.flags & IOMAP_F_NEW) || cow))
        dax_unmap_mapping_range(*ino.i_mapping, static_cast<u64>(pos), static_cast<u64>(end - pos), false);

    ssize_t done = 0;
    int ret = 0;
    while (pos < end) {
        const u64 offset = static_cast<u64>(pos) & (PAGE_SIZE - 1);
        const u64 remaining = static_cast<u64>(end - pos);
        const u64 size = align_up(remaining + offset, PAGE_SIZE);
        u64 spa = 0;
        long pages = direct_access(k, map, pos - static_cast<loff_t>(offset), size, dax_access_mode::DAX_ACCESS, &spa);
        bool recovery = false;
        if (pages == -EHWPOISON && iter.write) {
            pages = direct_access(k, map, pos - static_cast<loff_t>(offset), size,
                                  dax_access_mode::DAX_RECOVERY_WRITE, &spa);
            recovery = pages > 0;
        }
        if (pages < 0) {
            ret = mem2blk_err(pages);
            break;
        }
        // v6.8's copy_all branch copies the old data of a write that covers whole pages before the
        // write overwrites it; daxsim follows the project's contract (only the unchanged head and tail are
        // copied) unless fsdax.cow_copy_all asks for the kernel's extra copy (KernelConfig::dax_cow_copy_all).
        const bool covers_whole_pages = offset == 0 && (remaining & (PAGE_SIZE - 1)) == 0;
        if (cow && (!covers_whole_pages || k.config().dax_cow_copy_all)) {
            ret = dax_iomap_copy_around(k, pos, remaining, PAGE_SIZE, srcmap, spa);
            if (ret != 0) break;
        }
        const u64 map_len = std::min<u64>(PFN_PHYS(static_cast<u64>(pages)) - offset, remaining);
        u64 xfer = 0;
        const auto at = done_before + static_cast<std::size_t>(done);
        if (iter.write && recovery) {
            // dax_recovery_write(): the driver clears the poison of a whole page before writing it; a
            // partial write over a known bad page cannot be recovered and fails.
            const pgoff_t pgoff = PHYS_PFN(map.addr + static_cast<u64>(pos - static_cast<loff_t>(offset) - map.offset));
            xfer = dax_recovery_write(k, map.dax_dev, pgoff, spa + offset, iter.write_buf.subspan(at, map_len));
            if (xfer < map_len) ret = -EIO;
        } else if (iter.write) {
            const CowSpan span(k, "cow write", cow);
            memcpy_flushcache(k, spa + offset, iter.write_buf.subspan(at, map_len));
            xfer = map_len;
        } else {
            xfer = map_len - copy_mc_to_kernel(k, iter.read_buf.subspan(at, map_len), spa + offset);
        }
        pos += static_cast<loff_t>(xfer);
        done += static_cast<ssize_t>(xfer);
        // v6.8 answers -EFAULT when nothing could be copied; a read stopped by poison reports -EIO here,
        // as a read of a page already in badblocks does (dax_direct_access -EHWPOISON).
        if (xfer == 0) ret = -EIO;
        if (xfer < map_len) break;
    }
    return done ? done : ret;
}

} // namespace

int dax_iomap_copy_around(Kernel& k, loff_t pos, u64 length, u64 align_size, const iomap& srcmap, u64 dst_spa) {
    const u64 head_off = static_cast<u64>(pos) & (align_size - 1);
    const u64 size = align_up(head_off + length, align_size);
    const u64 end = static_cast<u64>(pos) + length;
    const u64 pg_end = align_up(end, align_size);
    const bool copy_all = head_off == 0 && end == pg_end;
    const bool zero_edge = srcmap.type == iomap_type::HOLE || srcmap.type == iomap_type::UNWRITTEN;
    u64 src_spa = 0;
    if (!zero_edge) {
        const long pages = direct_access(k, srcmap, pos - static_cast<loff_t>(head_off), size,
                                         dax_access_mode::DAX_ACCESS, &src_spa);
        if (pages < 0) return mem2blk_err(pages);
    }
    if (copy_all) {
        const CowSpan span(k, "cow copy all");
        if (zero_edge) {
            zero_pmem(k, dst_spa, size);
            return 0;
        }
        return copy_pmem(k, dst_spa, src_spa, length);
    }
    if (head_off) {
        const CowSpan span(k, "cow copy head");
        if (zero_edge)
            zero_pmem(k, dst_spa, head_off);
        else if (copy_pmem(k, dst_spa, src_spa, head_off) != 0)
            return -EIO;
    }
    if (end < pg_end) {
        const u64 tail_off = head_off + length;
        const u64 tail_len = pg_end - end;
        const CowSpan span(k, "cow copy tail");
        if (zero_edge)
            zero_pmem(k, dst_spa + tail_off, tail_len);
        else if (copy_pmem(k, dst_spa + tail_off, src_spa + tail_off, tail_len) != 0)
            return -EIO;
    }
    return 0;
}

ssize_t dax_iomap_rw(Kernel& k, inode& ino, loff_t pos, iov_iter& iter, const iomap_ops& ops) {
    const std::uint64_t t0 = k.now_ns();
    u64 remaining = iter.count();
    if (!iter.write) {
        if (pos >= ino.i_size) return 0;
        remaining = std::min<u64>(remaining, static_cast<u64>(ino.i_size - pos));
    }
    const unsigned flags = IOMAP_DAX | (iter.write ? IOMAP_WRITE : 0);
    std::size_t done = 0;
    ssize_t ret = 0;
    bool cow_seen = false;
    while (remaining > 0) {
        iomap map;
        iomap srcmap;
        const int err = ops.iomap_begin(k, ino, pos, static_cast<loff_t>(remaining), flags, map, srcmap);
        if (err != 0) {
            ret = err;
            break;
        }
        const u64 len = std::min<u64>(remaining, map.offset + map.length - static_cast<u64>(pos));
        if (iter.write && (map.flags & IOMAP_F_SHARED)) cow_seen = true;
        const ssize_t n = dax_iomap_iter(k, ino, map, srcmap, pos, len, iter, done);
        {
            const CowSpan span(k, "cow remap", iter.write && (map.flags & IOMAP_F_SHARED));
            ops.iomap_end(k, ino, pos, static_cast<loff_t>(len), n > 0 ? n : 0, flags, map);
        }
        if (n <= 0) {
            ret = n;
            break;
        }
        done += static_cast<std::size_t>(n);
        pos += n;
        remaining -= static_cast<u64>(n);
        if (static_cast<u64>(n) < len) break;
    }
    if (iter.write && done > 0) pmem_wmb(k);
    if (cow_seen) {
        k.stats().cow_events += 1;
        k.stats().cow_latency_ns += k.now_ns() - t0;
        if (k.tracer().enabled()) k.tracer().complete(kCowTrack, "dax CoW write", t0, k.now_ns() - t0);
    }
    return done ? static_cast<ssize_t>(done) : ret;
}

vm_fault_t dax_iomap_fault(Kernel& k, vm_fault& vmf, PageSize order, const iomap_ops& ops) {
    const std::uint64_t t0 = k.now_ns();
    vm_area_struct& vma = *vmf.vma;
    inode& ino = *vma.vm_file->f_inode;
    const bool pmd = order == PageSize::pmd;
    const u64 size = pmd ? PMD_SIZE : PAGE_SIZE;
    const bool write = (vmf.flags & FAULT_FLAG_WRITE) != 0;
    u64 pos = PFN_PHYS(vmf.pgoff);
    const u64 isize_pages = align_up(static_cast<u64>(ino.i_size), PAGE_SIZE);
    if (pmd) {
        // dax_iomap_pmd_fault's fallbacks: the PMD must lie inside the VMA and the file, and the file
        // offset must be as aligned as the address.
        const u64 addr = vmf.address & ~(PMD_SIZE - 1);
        const u64 back = vmf.address - addr;
        if (addr < vma.vm_start || addr + PMD_SIZE > vma.vm_end) return VM_FAULT_FALLBACK;
        if (pos < back || ((pos - back) & (PMD_SIZE - 1)) != 0) return VM_FAULT_FALLBACK;
        pos -= back;
        if (pos + PMD_SIZE > isize_pages) return VM_FAULT_FALLBACK;
    } else {
        pos &= ~(PAGE_SIZE - 1);
        if (pos >= isize_pages) return VM_FAULT_SIGBUS;
    }
    const unsigned flags = IOMAP_DAX | IOMAP_FAULT | (write ? IOMAP_WRITE : 0);
    iomap map;
    iomap srcmap;
    const int err = ops.iomap_begin(k, ino, static_cast<loff_t>(pos), static_cast<loff_t>(size), flags, map, srcmap);
    if (err != 0) return err == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
    const bool cow = write && (map.flags & IOMAP_F_SHARED);
    auto finish = [&](ssize_t written, vm_fault_t result) {
        const CowSpan span(k, "cow remap", cow);
        ops.iomap_end(k, ino, static_cast<loff_t>(pos), static_cast<loff_t>(size), written, flags, map);
        return result;
    };
    if (map.type != iomap_type::MAPPED) return finish(0, pmd ? VM_FAULT_FALLBACK : VM_FAULT_SIGBUS);
    if (pmd && (map.offset + map.length < pos + size || ((map.addr + pos - map.offset) & (PMD_SIZE - 1)) != 0 ||
                (cow && (srcmap.offset + srcmap.length < pos + size))))
        return finish(0, VM_FAULT_FALLBACK);
    u64 spa = 0;
    const long pages = direct_access(k, map, static_cast<loff_t>(pos), size, dax_access_mode::DAX_ACCESS, &spa);
    if (pages < 0) return finish(0, pages == -EHWPOISON ? VM_FAULT_HWPOISON : VM_FAULT_SIGBUS);
    if (pmd && (static_cast<u64>(pages) < PMD_SIZE / PAGE_SIZE || (spa & (PMD_SIZE - 1)) != 0))
        return finish(0, VM_FAULT_FALLBACK);
    if (cow || (map.flags & IOMAP_F_NEW)) dax_unmap_mapping_range(*ino.i_mapping, pos, size, false);
    if (cow && dax_iomap_copy_around(k, static_cast<loff_t>(pos), size, size, srcmap, spa) != 0)
        return finish(0, VM_FAULT_SIGBUS);
    vmf.pfn = PHYS_PFN(spa);
    vmf.pfn_set = true;
    const vm_fault_t result = finish(static_cast<ssize_t>(size), VM_FAULT_NOPAGE);
    if (cow) {
        pmem_wmb(k);
        k.stats().cow_events += 1;
        k.stats().cow_latency_ns += k.now_ns() - t0;
        if (k.tracer().enabled()) k.tracer().complete(kCowTrack, "dax CoW fault", t0, k.now_ns() - t0);
    }
    return result;
}

int dax_dedupe_file_range_compare(Kernel& k, inode& src, loff_t srcoff, inode& dst, loff_t dstoff, loff_t len,
                                  bool* same, const iomap_ops& ops) {
    *same = true;
    std::vector<std::byte> a(PAGE_SIZE);
    std::vector<std::byte> b(PAGE_SIZE);
    for (loff_t done = 0; done < len;) {
        const auto chunk = static_cast<std::size_t>(std::min<loff_t>(len - done, static_cast<loff_t>(PAGE_SIZE)));
        iov_iter ia{std::span<std::byte>(a.data(), chunk), {}, false};
        iov_iter ib{std::span<std::byte>(b.data(), chunk), {}, false};
        const ssize_t ra = dax_iomap_rw(k, src, srcoff + done, ia, ops);
        const ssize_t rb = dax_iomap_rw(k, dst, dstoff + done, ib, ops);
        if (ra < 0 || rb < 0) return -EIO;
        k.stats().dedupe_compare_bytes += chunk;
        if (static_cast<std::size_t>(ra) != chunk || static_cast<std::size_t>(rb) != chunk ||
            !std::equal(a.begin(), a.begin() + static_cast<long>(chunk), b.begin())) {
            *same = false;
            return 0;
        }
        done += static_cast<loff_t>(chunk);
    }
    return 0;
}

int dax_file_unshare(Kernel& k, inode& ino, loff_t pos, loff_t len, const iomap_ops& ops) {
    const std::uint64_t t0 = k.now_ns();
    const unsigned flags = IOMAP_DAX | IOMAP_WRITE | IOMAP_UNSHARE;
    const loff_t end = std::min(pos + len, ino.i_size);
    bool copied = false;
    int ret = 0;
    while (pos < end) {
        iomap map;
        iomap srcmap;
        if ((ret = ops.iomap_begin(k, ino, pos, end - pos, flags, map, srcmap)) != 0) break;
        const u64 length = std::min<u64>(static_cast<u64>(end - pos), map.offset + map.length - static_cast<u64>(pos));
        ssize_t written = static_cast<ssize_t>(length);
        if (map.flags & IOMAP_F_SHARED) {
            // Whole blocks move: copy from the page start to the page end (dax_unshare_iter).
            const u64 head = static_cast<u64>(pos) & (PAGE_SIZE - 1);
            const u64 size = align_up(head + length, PAGE_SIZE);
            u64 dst_spa = 0;
            u64 src_spa = 0;
            const long d = direct_access(k, map, pos - static_cast<loff_t>(head), size, dax_access_mode::DAX_ACCESS, &dst_spa);
            const long s = direct_access(k, srcmap, pos - static_cast<loff_t>(head), size, dax_access_mode::DAX_ACCESS, &src_spa);
            if (d < 0 || s < 0 || copy_pmem(k, dst_spa, src_spa, size) != 0) {
                ret = -EIO;
                written = 0;
            }
            dax_unmap_mapping_range(*ino.i_mapping, static_cast<u64>(pos), length, false);
            copied = true;
        }
        ops.iomap_end(k, ino, pos, static_cast<loff_t>(length), written, flags, map);
        if (ret != 0) break;
        pos += static_cast<loff_t>(length);
    }
    if (copied) {
        pmem_wmb(k);
        k.stats().cow_events += 1;
        k.stats().cow_latency_ns += k.now_ns() - t0;
    }
    return ret;
}

int dax_writeback_mapping_range(Kernel& k, address_space& mapping) {
    bool any = false;
    for (vm_area_struct* vma : mapping.i_mmap) {
        if (!vma->vm_mm) continue;
        auto& pt = vma->vm_mm->page_table;
        for (auto it = pt.lower_bound(vma->vm_start); it != pt.end() && it->first < vma->vm_end; ++it) {
            pte_t& pte = it->second;
            if (!pte.dirty || pte.hwpoison) continue;
            arch_wb_cache_pmem(k, PFN_PHYS(pte.pfn), u64{1} << pte.shift);
            pte.dirty = false;
            pte.writable = false;
            any = true;
        }
    }
    if (any) pmem_wmb(k);
    return 0;
}

void dax_unmap_mapping_range(address_space& mapping, u64 start, u64 len, bool wrprotect_only) {
    const u64 end = start + len;
    for (vm_area_struct* vma : mapping.i_mmap) {
        if (!vma->vm_mm) continue;
        const u64 vstart_file = PFN_PHYS(vma->vm_pgoff);
        const u64 vend_file = vstart_file + (vma->vm_end - vma->vm_start);
        const u64 lo = std::max(start, vstart_file);
        const u64 hi = std::min(end, vend_file);
        if (lo >= hi) continue;
        const u64 vlo = vma->vm_start + (lo - vstart_file);
        const u64 vhi = vma->vm_start + (hi - vstart_file);
        auto& pt = vma->vm_mm->page_table;
        // Entries are keyed by their aligned start; a PMD entry may start before vlo.
        auto it = pt.lower_bound(vlo >= PMD_SIZE ? (vlo & ~(PMD_SIZE - 1)) : 0);
        while (it != pt.end() && it->first < vhi) {
            const u64 pte_end = it->first + (u64{1} << it->second.shift);
            if (pte_end <= vlo || it->second.hwpoison) {
                ++it;
                continue;
            }
            if (wrprotect_only) {
                it->second.writable = false;
                ++it;
            } else {
                it = pt.erase(it);
            }
        }
    }
}

} // namespace daxsim::kernel
