// DaxSubsystem: every dax_device and the device-dax instances (/dev/daxX.Y).
// Owned by the Kernel (guest_api/kernel/kernel.h); one instance per simulated machine.
// drivers/dax/super.c keeps dax_devices in an xarray of hosts; drivers/dax/bus.c and device.c keep the
// dev_dax instances. A dax_device that goes away (unbind, destroy) stays allocated, dead, because a
// holder may still hold it until it calls fs_put_dax.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "guest_api/drivers/dax/dax.h"
#include "guest_api/kernel/types.h"
#include "guest_api/mm/memremap.h"
#include "guest_api/mm/mm_types.h"

namespace daxsim::kernel {

class Kernel;
struct inode;
struct file_operations;
struct vm_operations_struct;

// drivers/dax/dax-private.h: one device-dax instance over a physical range.
struct dev_dax {
    std::string name;               // "dax0.0"
    int region_id = 0;
    int id = 0;
    u64 phys_start = 0;             // SPA of the first byte the device exposes
    u64 size = 0;
    u64 align = 2ull << 20;         // fault granularity: 4 KiB, 2 MiB or 1 GiB
    dev_pagemap pgmap;              // MEMORY_DEVICE_GENERIC, no ops: memory_failure uses the generic path
    std::shared_ptr<inode> chr;     // the character device's inode (its i_mapping holds the VMAs)
    dax_device* dax_dev = nullptr;  // kill_dax target on removal
    std::unique_ptr<vm_operations_struct> vm_ops;  // what its mappings fault through
};

class DaxSubsystem {
  public:
    explicit DaxSubsystem(Kernel& k);
    ~DaxSubsystem();
    DaxSubsystem(const DaxSubsystem&) = delete;
    DaxSubsystem& operator=(const DaxSubsystem&) = delete;

    // alloc_dax(): a new live dax_device named `name`, owned here.
    dax_device* alloc_dax(const std::string& name, u64 nr_pages, const dax_operations* ops, void* private_data);
    // put_dax() after kill_dax(): forgets the name; the object stays (dead) for late fs_put_dax calls.
    void put_dax(dax_device* dax_dev);
    [[nodiscard]] dax_device* find_dax(const std::string& name) const;

    // drivers/dax/device.c: creates dev_dax NAME over [phys_start, phys_start + size), registers its
    // pages and the /dev node. 0 or -errno.
    int devm_create_dev_dax(const std::string& name, int region_id, int id, u64 phys_start, u64 size,
                            u64 align, dev_dax** out = nullptr);
    // Removal: kill_dax, node and pages go; the inode stays alive while files hold it.
    void unregister_dev_dax(const std::string& name);
    [[nodiscard]] dev_dax* find_dev_dax(const std::string& name) const;
    [[nodiscard]] const std::map<std::string, std::unique_ptr<dev_dax>>& dev_daxes() const { return dev_daxes_; }

  private:
    Kernel& k_;
    std::map<std::string, dax_device*> by_name_;
    std::vector<std::unique_ptr<dax_device>> all_;
    std::map<std::string, std::unique_ptr<dev_dax>> dev_daxes_;
    std::vector<std::unique_ptr<dev_dax>> removed_;
};

// device-dax file operations (the char device's f_op): mmap only; read/write are not supported.
[[nodiscard]] const file_operations& dax_fops();
// The dev_dax behind a device-dax inode, or nullptr.
[[nodiscard]] dev_dax* inode_dax(const inode* ino);

} // namespace daxsim::kernel
