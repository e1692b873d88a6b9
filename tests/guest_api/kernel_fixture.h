// A booted kernel over a FunctionalMachine (no SystemC), for the guest_api unit tests.
#pragma once

#include <doctest/doctest.h>

#include "guest_api/kernel/errno.h"

#include <algorithm>
#include <memory>
#include <regex>
#include <string>

#include "guest_api/admin.h"
#include "guest_api/block/blkdev.h"
#include "guest_api/fs/fs.h"
#include "guest_api/kernel/kernel.h"
#include "guest_api/mm/mm_types.h"
#include "guest_api/syscalls.h"
#include "models/tracer.h"
#include "platform/functional_memory.h"

namespace daxsim::kernel::test {

inline platform::PlatformConfig small_config(std::uint64_t dimm_bytes = 256ull << 20, unsigned dimms = 1) {
    platform::PlatformConfig c;
    c.dimm_count = dimms;
    c.interleave.ways = dimms;
    c.dimm.capacity_bytes = dimm_bytes;
    c.cpu.count = 2;
    return c;
}

struct Booted {
    explicit Booted(const platform::PlatformConfig& c = small_config()) : machine(c) { reboot(); }
    // A fresh kernel over the same machine (media and labels persist).
    void reboot() {
        kernel.reset();
        kernel = std::make_unique<Kernel>(KernelConfig{}, machine.nfit(), machine.firmware(), machine.ports(), tracer);
        REQUIRE(kernel->boot() == 0);
    }
    Kernel& k() { return *kernel; }

    platform::FunctionalMachine machine;
    NullTracer tracer;
    std::unique_ptr<Kernel> kernel;
};

// open("/dev/NAME", O_RDWR) done by hand: the test does not depend on the VFS.
inline int open_dev(Kernel& k, task_struct* t, const std::string& name) {
    auto it = k.dev_nodes().find(name);
    REQUIRE(it != k.dev_nodes().end());
    auto f = std::make_shared<file>();
    f->f_inode = it->second.chr ? it->second.chr : it->second.bdev->bd_inode;
    f->f_mapping = f->f_inode->i_mapping;
    f->f_op = it->second.fops;
    f->f_flags = O_RDWR;
    f->path = "/dev/" + name;
    const int fd = t->next_fd++;
    t->files[fd] = f;
    return fd;
}

inline bool dmesg_has(Kernel& k, const std::string& re) {
    const std::regex r(re);
    return std::any_of(k.dmesg().lines().begin(), k.dmesg().lines().end(),
                       [&](const DmesgLine& l) { return std::regex_search(l.text, r); });
}

inline bool dmesg_exact(Kernel& k, const std::string& text) {
    return std::any_of(k.dmesg().lines().begin(), k.dmesg().lines().end(),
                       [&](const DmesgLine& l) { return l.text == text; });
}

inline std::string hexs(u64 v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%#llx", static_cast<unsigned long long>(v));
    return buf;
}

inline NamespaceInfo make_ns(Kernel& k, const std::string& mode, std::optional<u64> size = std::nullopt,
                             std::optional<u64> align = std::nullopt, const std::string& map = "dev") {
    NamespaceSpec spec;
    spec.mode = mode;
    spec.size = size;
    spec.align = align;
    spec.map = map;
    NamespaceInfo info;
    REQUIRE(ndctl_create_namespace(k, spec, &info) == 0);
    return info;
}

} // namespace daxsim::kernel::test
