// The VFS objects the rest of the kernel sees (include/linux/fs.h): inode, address_space, file,
// file_operations, super_block. Concrete file systems (fs/xfs) and devices (device-dax) derive from them.
#pragma once

#include <fcntl.h>

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "guest_api/kernel/errno.h"
#include "guest_api/kernel/types.h"

// O_* open flags come from <fcntl.h> (macros with the Linux x86-64 values).
static_assert(O_RDONLY == 0 && O_WRONLY == 1 && O_RDWR == 2 && O_CREAT == 0100 && O_TRUNC == 01000,
              "Linux open flags");

namespace daxsim::kernel {

class Kernel;
struct block_device;
struct dax_device;
struct file;
struct inode;
struct super_block;
struct task_struct;
struct vm_area_struct;

// The page cache of an inode; for DAX files it holds no pages, only the list of mappings (i_mmap),
// which memory failure walks to find the processes that map a file range.
struct address_space {
    inode* host = nullptr;
    std::vector<vm_area_struct*> i_mmap;   // every VMA mapping this file (interval tree in the kernel)
};

// inode->i_mode file types
enum class inode_type { regular, directory, block_dev, char_dev };

struct inode {
    virtual ~inode() = default;
    u64 i_ino = 0;
    inode_type type = inode_type::regular;
    loff_t i_size = 0;
    super_block* i_sb = nullptr;
    address_space i_data;                 // i_mapping points here
    address_space* i_mapping = &i_data;
    bool dax = false;                     // S_DAX
    // The file operations an open of this inode gets (inode->i_fop): the file system's for its files,
    // device-dax's for a /dev/daxX.Y node. Set by whoever creates the inode.
    const struct file_operations* i_fop = nullptr;
    inode() { i_data.host = this; }
    inode(const inode&) = delete;
    inode& operator=(const inode&) = delete;
};

// file_operations: what open files of one kind can do; -EOPNOTSUPP / -EINVAL where they cannot.
struct file_operations {
    virtual ~file_operations() = default;
    virtual ssize_t read(Kernel& k, file& f, std::span<std::byte> buf, loff_t pos) const = 0;
    virtual ssize_t write(Kernel& k, file& f, std::span<const std::byte> buf, loff_t pos) const = 0;
    // Sets vma->vm_ops (and VM_HUGEPAGE / VM_MIXEDMAP) for a new mapping; 0 or -errno.
    virtual int mmap(Kernel& k, file& f, vm_area_struct& vma) const = 0;
    virtual int fsync(Kernel& k, file& f, loff_t start, loff_t end) const { (void)k; (void)f; (void)start; (void)end; return 0; }
    virtual int fallocate(Kernel& k, file& f, int mode, loff_t off, loff_t len) const { (void)k; (void)f; (void)mode; (void)off; (void)len; return -EOPNOTSUPP; }
};

// O_* flags (include/uapi/asm-generic/fcntl.h)

struct file {
    std::shared_ptr<inode> f_inode;       // keeps the inode alive while open
    address_space* f_mapping = nullptr;
    const file_operations* f_op = nullptr;
    int f_flags = 0;
    std::string path;                     // the path it was opened by (for messages)
    void* private_data = nullptr;
};

struct super_block {
    virtual ~super_block() = default;
    std::string s_id;                     // device name: "pmem0", "dm-0"
    std::string mount_point;              // "/mnt/pmem"
    block_device* s_bdev = nullptr;
    dax_device* s_daxdev = nullptr;
    u64 s_dax_part_off = 0;               // byte offset of the bdev inside s_daxdev
};

} // namespace daxsim::kernel
