#include "guest_api/kernel/errno.h"

#include "guest_api/fs/vfs.h"

#include <fmt/format.h>

#include "guest_api/block/blkdev.h"
#include "guest_api/drivers/nvdimm/pmem.h"
#include "guest_api/fs/durable_metadata.h"
#include "guest_api/fs/internal.h"
#include "guest_api/fs/xfs/xfs_mount.h"
#include "guest_api/kernel/kernel.h"
#include "guest_api/mm/mm_types.h"

namespace daxsim::kernel {

Vfs::Vfs(Kernel& k) : k_(k) {}
Vfs::~Vfs() = default;

std::string vfs_normalize_path(const std::string& path) {
    if (path.empty() || path.front() != '/') return {};
    std::string out;
    for (std::size_t i = 0; i < path.size(); ++i) {
        if (path[i] == '/' && (out.ends_with('/'))) continue;
        out.push_back(path[i]);
    }
    while (out.size() > 1 && out.ends_with('/')) out.pop_back();
    return out;
}

int Vfs::add_mount(const std::string& dir, std::unique_ptr<vfs_super> sb) {
    if (mounts_.contains(dir)) return -EBUSY;
    mounts_[dir] = std::move(sb);
    return 0;
}

std::unique_ptr<vfs_super> Vfs::remove_mount(const std::string& dir) {
    auto it = mounts_.find(dir);
    if (it == mounts_.end()) return nullptr;
    auto sb = std::move(it->second);
    mounts_.erase(it);
    return sb;
}

vfs_super* Vfs::find_mount(const std::string& dir) const {
    const auto it = mounts_.find(dir);
    return it == mounts_.end() ? nullptr : it->second.get();
}

vfs_super* Vfs::resolve(const std::string& path, std::string* rest) const {
    vfs_super* best = nullptr;
    std::size_t best_len = 0;
    for (const auto& [dir, sb] : mounts_) {
        const bool root = dir == "/";
        const bool match = path == dir || (path.starts_with(dir) && (root || path[dir.size()] == '/'));
        if (match && (best == nullptr || dir.size() > best_len)) {
            best = sb.get();
            best_len = dir.size();
        }
    }
    if (best && rest) {
        *rest = path.substr(best_len);
        while (!rest->empty() && rest->front() == '/') rest->erase(rest->begin());
    }
    return best;
}

std::string Vfs::durable_key(const std::string& bdev_name) const {
    const auto node = k_.dev_nodes().find(bdev_name);
    if (node != k_.dev_nodes().end() && node->second.bdev && bdev_name.starts_with("pmem") &&
        node->second.bdev->bd_disk_private) {
        // A pmem disk: its bytes are the namespace's data area, which the labels put back after a reboot.
        const auto& pmem = *static_cast<const pmem_device*>(node->second.bdev->bd_disk_private);
        return fmt::format("pmem@{:#x}+{:#x}", pmem.data_spa(), node->second.bdev->size_bytes());
    }
    return "dev:" + bdev_name;
}

xfs_disk* Vfs::xfs_image(const std::string& bdev_name) const {
    return k_.durable().xfs_image(durable_key(bdev_name));
}

void Vfs::set_xfs_image(const std::string& bdev_name, std::unique_ptr<xfs_disk> disk) {
    k_.durable().set_xfs_image(durable_key(bdev_name), std::move(disk));
}

void syscall_enter(Kernel& k, task_struct* t) {
    k.set_current(t);
    k.cpu_work(k.config().cost.syscall_ns);
}

std::shared_ptr<file> fget(task_struct* t, int fd) {
    if (!t) return nullptr;
    const auto it = t->files.find(fd);
    return it == t->files.end() ? nullptr : it->second;
}

vfs_super* inode_super(const inode& ino) {
    if (ino.type != inode_type::regular || !ino.i_sb) return nullptr;
    return static_cast<vfs_super*>(ino.i_sb);
}

} // namespace daxsim::kernel
