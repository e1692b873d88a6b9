// Shared setup of the fs tests: a functional machine, a booted kernel, an fsdax namespace over the whole 6 GiB region with an
// XFS (reflink, rmapbt, 4 AGs) mounted with -o dax on /mnt/pmem, and a task to make syscalls from.
#pragma once

#include <doctest/doctest.h>

#include <cstddef>
#include <string>
#include <vector>

#include "guest_api/admin.h"
#include "guest_api/fs/fs.h"
#include "guest_api/kernel/errno.h"
#include "guest_api/kernel/kernel.h"
#include "guest_api/mm/mm_types.h"
#include "guest_api/syscalls.h"
#include "models/tracer.h"
#include "platform/functional_memory.h"

namespace daxsim::kernel::test {

inline platform::PlatformConfig small_platform() {
    platform::PlatformConfig cfg;
    cfg.dimm_count = 6;
    cfg.dimm.capacity_bytes = 1ull << 30;
    return cfg;
}

struct XfsFixture {
    explicit XfsFixture(MkfsOptions opts = {}, bool mount = true)
        : machine(small_platform()),
          k(KernelConfig{}, machine.nfit(), machine.firmware(), machine.ports(), tracer) {
        REQUIRE(k.boot() == 0);
        NamespaceSpec spec;
        REQUIRE(ndctl_create_namespace(k, spec, &ns) == 0);
        dev = "/dev/" + ns.blockdev;
        REQUIRE(mkfs_xfs(k, dev, opts) == 0);
        if (mount) REQUIRE(do_mount(k, dev, "/mnt/pmem", "dax") == 0);
        t = sys_spawn(k, "xfs_io");
        REQUIRE(t != nullptr);
    }

    int open(const std::string& name, int flags = O_RDWR | O_CREAT) {
        return sys_open(k, t, "/mnt/pmem/" + name, flags);
    }
    ssize_t pwrite_fill(int fd, std::byte value, loff_t off, std::size_t len) {
        const std::vector<std::byte> buf(len, value);
        return sys_pwrite(k, t, fd, buf, off);
    }
    std::vector<std::byte> pread(int fd, loff_t off, std::size_t len, ssize_t* ret = nullptr) {
        std::vector<std::byte> buf(len);
        const ssize_t n = sys_pread(k, t, fd, buf, off);
        if (ret) *ret = n;
        if (n >= 0) buf.resize(static_cast<std::size_t>(n));
        return buf;
    }
    std::vector<fiemap_extent> fiemap(int fd) {
        std::vector<fiemap_extent> out;
        REQUIRE(sys_ioctl_fiemap(k, t, fd, &out) == 0);
        return out;
    }
    [[nodiscard]] bool dmesg_has(const std::string& text) const {
        for (const auto& l : const_cast<Kernel&>(k).dmesg().lines())
            if (l.text == text) return true;
        return false;
    }
    [[nodiscard]] bool dmesg_contains(const std::string& part) const {
        for (const auto& l : const_cast<Kernel&>(k).dmesg().lines())
            if (l.text.find(part) != std::string::npos) return true;
        return false;
    }

    NullTracer tracer;
    platform::FunctionalMachine machine;
    Kernel k;
    NamespaceInfo ns;
    std::string dev;
    task_struct* t = nullptr;
};

inline bool all_equal(const std::vector<std::byte>& v, std::byte b) {
    for (const std::byte x : v)
        if (x != b) return false;
    return true;
}

} // namespace daxsim::kernel::test
