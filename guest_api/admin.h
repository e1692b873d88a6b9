// Administrative entry points the scenario layer's tools use, in place of sysfs, ioctls on control
// devices and mount(2): ndctl (drivers/nvdimm), mkfs.xfs and mount (fs/), sysctl, unbind, and the
// address lookups that `inject poison` needs. Same return convention as syscalls.h (0 or -errno).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "guest_api/kernel/types.h"

namespace daxsim::kernel {

class Kernel;

// --- nvdimm (drivers/nvdimm/namespace_devs.c, region_devs.c, badblocks) ---------------------------
struct NamespaceSpec {
    std::string mode = "fsdax";             // fsdax | devdax
    std::optional<std::string> region;      // "region0"; default: the first region with room
    std::optional<u64> size;                // bytes; default: all free space of the region
    std::string map = "dev";                // fsdax: where struct pages live (dev | mem)
    std::optional<u64> align;               // devdax: 4096, 2 MiB (default) or 1 GiB
};
struct NamespaceInfo {
    std::string dev;                        // "namespace0.0"
    std::string mode;                       // "fsdax" | "devdax"
    std::string map;                        // "dev" | "mem" (fsdax)
    u64 size = 0;                           // usable bytes (after the struct page reservation for map=dev)
    std::string uuid;
    std::string region;                     // "region0"
    std::string blockdev;                   // "pmem0" (fsdax)
    std::string chardev;                    // "dax0.0" (devdax)
    u64 align = 0;
    u64 spa_start = 0;                      // SPA of the first usable byte
};
struct RegionInfo {
    std::string dev;                        // "region0"
    u64 size = 0;
    u64 available_size = 0;
    u64 spa_start = 0;
    unsigned interleave_ways = 0;
    u64 align = 0;                          // namespace size alignment (the region's align attribute)
    std::vector<std::string> mappings;      // "nmem0", ...
};
struct DimmInfo {
    std::string dev;                        // "nmem0"
    u32 handle = 0;
    std::string serial;
    u64 capacity = 0;
};
struct BadBlockRange {
    u64 offset = 0;                         // 512-byte sectors from the start of the namespace
    u64 length = 0;                         // sectors
};

int ndctl_create_namespace(Kernel& k, const NamespaceSpec& spec, NamespaceInfo* out);
int ndctl_destroy_namespace(Kernel& k, const std::string& dev);
[[nodiscard]] std::vector<NamespaceInfo> ndctl_list_namespaces(Kernel& k);
[[nodiscard]] std::vector<RegionInfo> ndctl_list_regions(Kernel& k);
[[nodiscard]] std::vector<DimmInfo> ndctl_list_dimms(Kernel& k);
// Known media errors of a namespace (its badblocks list), or -ENODEV via `err`.
[[nodiscard]] std::vector<BadBlockRange> ndctl_badblocks(Kernel& k, const std::string& ns_dev, int* err = nullptr);
// ndctl inject-error NS -B BLOCK -n COUNT (512-byte blocks from the start of the namespace): poisons the
// media through the firmware and, as ndctl does by default, notifies the kernel (badblocks updated).
int ndctl_inject_error(Kernel& k, const std::string& ns_dev, u64 block, u64 count);
int ndctl_clear_errors(Kernel& k, const std::string& ns_dev);
// ARS over every region; poison found updates badblocks and queues memory_failure (action optional).
int ndctl_start_scrub(Kernel& k);

// --- lookups for `inject poison` ----------------------------------------------------------------
// Byte offset inside /dev/pmemN, /dev/daxX.Y or /dev/mapper/NAME -> SPA; nullopt when out of range.
[[nodiscard]] std::optional<u64> dev_offset_to_spa(Kernel& k, const std::string& dev_path, u64 offset);
// Byte offset inside a regular file on a mounted DAX file system -> SPA of its block; nullopt for a
// hole or an unknown file.
[[nodiscard]] std::optional<u64> file_offset_to_spa(Kernel& k, const std::string& path, u64 offset);
// SPA of a metadata structure of the file system mounted on dir (`inject poison --fs DIR --meta KIND
// [--ag N]`): KIND is sb, agf, agi, agfl, bnobt, cntbt, inobt, finobt, rmapbt, refcountbt, inode (the
// root inode chunk, AG 0), log (wherever it is). nullopt for an unknown kind, AG or mount.
[[nodiscard]] std::optional<u64> fs_metadata_spa(Kernel& k, const std::string& dir, const std::string& kind,
                                                 unsigned ag = 0);

// --- file systems (fs/xfs, fs/namespace.c) ------------------------------------------------------
struct MkfsOptions {
    bool force = false;            // -f
    bool reflink = true;           // -m reflink=
    bool rmapbt = true;            // -m rmapbt=
    unsigned agcount = 4;          // -d agcount=
    u64 block_size = 4096;         // -b size=
};
int mkfs_xfs(Kernel& k, const std::string& dev_path, const MkfsOptions& opts);
// mount -t xfs -o OPTIONS DEV DIR; OPTIONS as mount(8) takes them ("dax", "dax=always", "ro").
int do_mount(Kernel& k, const std::string& dev_path, const std::string& dir, const std::string& options);
int do_umount(Kernel& k, const std::string& dir);
[[nodiscard]] bool fs_is_mounted(Kernel& k, const std::string& dir);
[[nodiscard]] bool fs_is_shutdown(Kernel& k, const std::string& dir);

// --- device-mapper (drivers/md/dm-ioctl.c, as dmsetup drives it) ---------------------------------
// One table line: START LEN TYPE ARGS... in 512-byte sectors ("linear" DEV OFF, "striped" N CHUNK DEV OFF...).
struct DmTargetSpec {
    u64 start = 0;
    u64 len = 0;
    std::string type;
    std::vector<std::string> args;
};
// dmsetup create NAME --table ...: /dev/dm-N and /dev/mapper/NAME. -EINVAL bad table, -EBUSY name in use
// or a device mounted or used by another mapped device, -ENODEV unknown device.
int dmsetup_create(Kernel& k, const std::string& name, const std::vector<DmTargetSpec>& table);
// dmsetup remove NAME: -ENXIO unknown, -EBUSY mounted or a target of another mapped device.
int dmsetup_remove(Kernel& k, const std::string& name);
// "dm-0" for NAME, or nullopt.
[[nodiscard]] std::optional<std::string> dm_disk_name(Kernel& k, const std::string& name);

// --- tunables and devices -----------------------------------------------------------------------
// sysctl NAME=VALUE: vm.memory_failure_early_kill, vm.memory_failure_recovery. -ENOENT unknown name,
// -EINVAL bad value.
int sysctl_write(Kernel& k, const std::string& name, const std::string& value);
// echo pmemN > unbind: the pmem driver releases the device; kill_dax notifies the holder
// (MF_MEM_PRE_REMOVE) first.
int unbind_device(Kernel& k, const std::string& name);

} // namespace daxsim::kernel
