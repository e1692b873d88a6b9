#include "guest_api/fs/durable_metadata.h"

#include "guest_api/fs/xfs/xfs_mount.h"

namespace daxsim::kernel {

DurableMetadata::DurableMetadata() = default;
DurableMetadata::~DurableMetadata() = default;

xfs_disk* DurableMetadata::xfs_image(const std::string& key) const {
    const auto it = xfs_images_.find(key);
    return it == xfs_images_.end() ? nullptr : it->second.get();
}

void DurableMetadata::set_xfs_image(const std::string& key, std::unique_ptr<xfs_disk> disk) {
    xfs_images_[key] = std::move(disk);
}

void DurableMetadata::power_cycle() {
    for (auto& [key, disk] : xfs_images_) {
        for (auto& [ino, ip] : disk->inodes) {
            ip->i_sb = nullptr;
            ip->i_mount = nullptr;
            ip->i_mapping->i_mmap.clear();
        }
        for (auto& ip : disk->orphans) {
            ip->i_sb = nullptr;
            ip->i_mount = nullptr;
            ip->i_mapping->i_mmap.clear();
        }
    }
}

} // namespace daxsim::kernel
