// drivers/dax/device.c (v6.8): the device-dax character device. Faults map at the device's
// alignment — PUD for 1 GiB, PMD for 2 MiB, PTE for 4 KiB — and record page->mapping / index
// (dax_set_mapping) so memory_failure() finds the owner through the generic path: the pgmap has no
// memory_failure op.
#include "guest_api/kernel/errno.h"

#include <bit>
#include <fmt/format.h>

#include "guest_api/drivers/dax/bus.h"
#include "guest_api/fs/fs.h"
#include "guest_api/kernel/kernel.h"
#include "guest_api/mm/internal.h"
#include "guest_api/mm/memremap.h"
#include "guest_api/mm/mm_types.h"

namespace daxsim::kernel {

namespace {

// The device node's inode knows its dev_dax (dax_open() puts it in filp->private_data).
struct dax_chr_inode final : inode {
    dev_dax* dd = nullptr;
};

dev_dax* vma_dev_dax(const vm_area_struct* vma) {
    return vma->vm_file ? inode_dax(vma->vm_file->f_inode.get()) : nullptr;
}

// dax_pgoff_to_phys(): SPA of pgoff when [pgoff, pgoff + size) lies inside the device, else ~0.
u64 dax_pgoff_to_phys(const dev_dax& dd, pgoff_t pgoff, u64 size) {
    const u64 off = PFN_PHYS(pgoff);
    if (off >= dd.size || dd.size - off < size) return ~u64{0};
    return dd.phys_start + off;
}

// dax_set_mapping(): owner and index on each page (only the head of a compound page).
void dax_set_mapping(Kernel& k, const dev_dax& dd, vm_fault& vmf, u64 pfn, u64 fault_size) {
    u64 nr_pages = fault_size / PAGE_SIZE;
    if (dd.pgmap.vmemmap_shift) nr_pages = 1;
    file* f = vmf.vma->vm_file.get();
    const pgoff_t pgoff = linear_page_index(vmf.vma, vmf.address);
    for (u64 i = 0; i < nr_pages; ++i) {
        page* p = compound_head(k, pfn_to_page(k, pfn + i));
        if (p == nullptr || p->mapping != nullptr) continue;
        p->mapping = f->f_mapping;
        p->index = pgoff + i;
    }
}

// __dev_dax_{pte,pmd,pud}_fault(): a fault smaller than the device's alignment is a SIGBUS, a
// larger one falls back to the next size down.
vm_fault_t dev_dax_fault(Kernel& k, vm_fault& vmf, unsigned shift) {
    dev_dax* dd = vma_dev_dax(vmf.vma);
    if (dd == nullptr) return VM_FAULT_SIGBUS;
    const u64 fault_size = u64{1} << shift;
    if (dd->align > fault_size) return VM_FAULT_SIGBUS;
    if (dd->align < fault_size) return VM_FAULT_FALLBACK;
    if (vmf.address < vmf.vma->vm_start || vmf.address + fault_size > vmf.vma->vm_end) return VM_FAULT_SIGBUS;
    const u64 phys = dax_pgoff_to_phys(*dd, vmf.pgoff, fault_size);
    if (phys == ~u64{0}) {
        k.printk(LogLevel::debug, fmt::format("{}: pgoff_to_phys({:#x}) failed", dd->name, vmf.pgoff));
        return VM_FAULT_SIGBUS;
    }
    const u64 pfn = PHYS_PFN(phys);
    dax_set_mapping(k, *dd, vmf, pfn, fault_size);
    vmf.pfn = pfn;
    vmf.pfn_set = true;
    return VM_FAULT_NOPAGE;
}

struct DevDaxVmOps final : vm_operations_struct {
    explicit DevDaxVmOps(Kernel& k) : k_(k) {}
    vm_fault_t fault(vm_fault& vmf) const override { return dev_dax_fault(k_, vmf, PAGE_SHIFT); }
    vm_fault_t huge_fault(vm_fault& vmf) const override {
        return dev_dax_fault(k_, vmf, static_cast<unsigned>(vmf.order));
    }
    // Device-dax pages are always writable where the VMA is: the same page, now writable.
    vm_fault_t page_mkwrite(vm_fault&) const override { return VM_FAULT_NOPAGE; }

  private:
    Kernel& k_;
};

struct DaxFops final : file_operations {
    ssize_t read(Kernel&, file&, std::span<std::byte>, loff_t) const override { return -EINVAL; }
    ssize_t write(Kernel&, file&, std::span<const std::byte>, loff_t) const override { return -EINVAL; }
    // dax_mmap() + check_vma(): shared only, aligned to the device's alignment.
    int mmap(Kernel& k, file& f, vm_area_struct& vma) const override {
        dev_dax* dd = inode_dax(f.f_inode.get());
        if (dd == nullptr || !dd->vm_ops) return -ENXIO;
        if (!(vma.vm_flags & VM_SHARED)) {
            k.printk(LogLevel::info, fmt::format("{}: dax_mmap: fail, attempted private mapping", dd->name));
            return -EINVAL;
        }
        const u64 mask = dd->align - 1;
        if ((vma.vm_start & mask) || (vma.vm_end & mask) || (PFN_PHYS(vma.vm_pgoff) & mask)) {
            k.printk(LogLevel::info,
                     fmt::format("{}: dax_mmap: fail, unaligned vma ({:#x} - {:#x}, {:#x})", dd->name, vma.vm_start,
                                 vma.vm_end, mask));
            return -EINVAL;
        }
        if (f.f_mapping == nullptr) f.f_mapping = f.f_inode->i_mapping;
        vma.vm_ops = dd->vm_ops.get();
        vma.vm_flags |= VM_HUGEPAGE;
        return 0;
    }
};

const DaxFops dax_file_ops;

} // namespace

const file_operations& dax_fops() { return dax_file_ops; }

dev_dax* inode_dax(const inode* ino) {
    const auto* d = dynamic_cast<const dax_chr_inode*>(ino);
    return d ? d->dd : nullptr;
}

int DaxSubsystem::devm_create_dev_dax(const std::string& name, int region_id, int id, u64 phys_start, u64 size,
                                      u64 align, dev_dax** out) {
    if (dev_daxes_.count(name)) return -EBUSY;
    auto dd = std::make_unique<dev_dax>();
    dd->name = name;
    dd->region_id = region_id;
    dd->id = id;
    dd->phys_start = phys_start;
    dd->size = size;
    dd->align = align;
    dd->pgmap.type = memory_type::MEMORY_DEVICE_GENERIC;
    dd->pgmap.range_start = phys_start;
    dd->pgmap.range_end = phys_start + size;
    // Compound pages as large as the alignment (dev_dax_probe sets vmemmap_shift since v5.17).
    dd->pgmap.vmemmap_shift = static_cast<unsigned>(std::countr_zero(align >> PAGE_SHIFT));
    dd->pgmap.owner = dd.get();
    if (const int rc = memremap_pages(k_, &dd->pgmap); rc < 0) return rc;
    dd->vm_ops = std::make_unique<DevDaxVmOps>(k_);
    auto ino = std::make_shared<dax_chr_inode>();
    ino->type = inode_type::char_dev;
    ino->i_size = static_cast<loff_t>(size);
    ino->i_fop = &dax_fops();
    ino->dd = dd.get();
    dd->chr = ino;
    dd->dax_dev = alloc_dax(name, PHYS_PFN(size), nullptr, dd.get());
    DeviceNode node;
    node.chr = ino;
    node.fops = &dax_fops();
    k_.dev_nodes()[name] = node;
    if (out) *out = dd.get();
    dev_daxes_[name] = std::move(dd);
    return 0;
}

void DaxSubsystem::unregister_dev_dax(const std::string& name) {
    auto it = dev_daxes_.find(name);
    if (it == dev_daxes_.end()) return;
    dev_dax& dd = *it->second;
    kill_dax(k_, dd.dax_dev);
    put_dax(dd.dax_dev);
    k_.dev_nodes().erase(name);
    // Mappings go with the device: every VMA of the node loses its entries.
    unmap_mapping_range(k_, dd.chr->i_mapping, 0, 0, true);
    memunmap_pages(k_, &dd.pgmap);
    auto* ino = dynamic_cast<dax_chr_inode*>(dd.chr.get());
    if (ino) ino->dd = nullptr;
    removed_.push_back(std::move(it->second));
    dev_daxes_.erase(it);
}

} // namespace daxsim::kernel
