// File system metadata that is durable once its operation returns (DESIGN.md, `powerfail`): the host
// structures that stand for what is on the media (today the XFS images mkfs builds, struct xfs_disk). A
// real kernel finds them again on the media after a reboot; daxsim keeps them here, in a store that
// outlives the Kernel object, so the scenario runner can cut power, build a new Kernel over the same
// machine and let `mount` find the file system mkfs made, with its files and their data.
//
// Images are keyed by where the device's bytes are, not by its name, so a key survives a reboot that
// renumbers devices: "pmem@SPA+SIZE" for a pmem namespace (the SPA of its first data byte and its size);
// other block devices (device-mapper) by name, "dev:NAME" (they do not survive a reboot anyway).
#pragma once

#include <map>
#include <memory>
#include <string>

namespace daxsim::kernel {

struct xfs_disk;

class DurableMetadata {
  public:
    DurableMetadata();
    ~DurableMetadata();
    DurableMetadata(const DurableMetadata&) = delete;
    DurableMetadata& operator=(const DurableMetadata&) = delete;

    [[nodiscard]] xfs_disk* xfs_image(const std::string& key) const;
    void set_xfs_image(const std::string& key, std::unique_ptr<xfs_disk> disk);
    [[nodiscard]] std::size_t xfs_image_count() const { return xfs_images_.size(); }

    // Power was cut and the Kernel that used the images is gone: forget every in-core attachment (the
    // mount an inode belonged to, the VMAs that mapped it), which pointed into that kernel. What the
    // operations wrote stays. Call after the old Kernel is destroyed, before a new one mounts.
    void power_cycle();

  private:
    std::map<std::string, std::unique_ptr<xfs_disk>> xfs_images_;
};

} // namespace daxsim::kernel
