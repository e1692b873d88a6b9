// A power cycle at the kernel level: the Kernel object is destroyed with tasks, open files and mappings
// alive, and a new one boots over the same (functional) machine and the same DurableMetadata. Also the
// action-optional path a patrol scrub drives: SRAO record -> #MC handler -> badblocks and memory_failure.
#include "guest_api/mm/mm_types.h"

#include <doctest/doctest.h>

#include <fmt/format.h>

#include <memory>
#include <vector>

#include "guest_api/admin.h"
#include "guest_api/arch/mce.h"
#include "guest_api/fs/durable_metadata.h"
#include "guest_api/fs/vfs.h"
#include "guest_api/kernel/errno.h"
#include "guest_api/kernel/kernel.h"
#include "guest_api/mm/memory_failure.h"
#include "guest_api/syscalls.h"
#include "models/tracer.h"
#include "platform/functional_memory.h"

#include "kernel_fixture.h"

using namespace daxsim;
using namespace daxsim::kernel;

namespace {

struct Rig {
    platform::FunctionalMachine machine{test::small_config(1ull << 30, 6)};
    NullTracer tracer;
    DurableMetadata durable;
    std::unique_ptr<Kernel> k;

    void boot() {
        k = std::make_unique<Kernel>(KernelConfig{}, machine.nfit(), machine.firmware(), machine.ports(),
                                     tracer, &durable);
        REQUIRE(k->boot() == 0);
    }
    void power_cycle() {
        (void)machine.ras().powerfail();
        k.reset();
        durable.power_cycle();
        boot();
    }
};

std::vector<std::byte> fill(std::size_t n, unsigned char v) {
    return std::vector<std::byte>(n, static_cast<std::byte>(v));
}

} // namespace

TEST_CASE("xfs made before a power cycle mounts after it with its files and data") {
    Rig r;
    r.boot();
    NamespaceInfo ns;
    REQUIRE(ndctl_create_namespace(*r.k, NamespaceSpec{}, &ns) == 0);
    REQUIRE(mkfs_xfs(*r.k, "/dev/" + ns.blockdev, MkfsOptions{}) == 0);
    REQUIRE(do_mount(*r.k, "/dev/" + ns.blockdev, "/mnt/pmem", "dax") == 0);
    task_struct* t = sys_spawn(*r.k, "writer");
    const int fd = sys_open(*r.k, t, "/mnt/pmem/file", O_RDWR | O_CREAT);
    REQUIRE(fd >= 0);
    REQUIRE(sys_pwrite(*r.k, t, fd, fill(8192, 0x3c), 0) == 8192);
    // The task still has the file open and mapped when the power goes.
    const long addr = sys_mmap(*r.k, t, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    REQUIRE(addr > 0);
    std::vector<std::byte> one(1);
    REQUIRE(user_load(*r.k, t, static_cast<u64>(addr), one) == 0);
    REQUIRE(r.durable.xfs_image_count() == 1);

    r.power_cycle();

    CHECK(r.k->vfs().mounts().empty());
    CHECK(r.k->dev_nodes().contains(ns.blockdev));
    REQUIRE(do_mount(*r.k, "/dev/" + ns.blockdev, "/mnt/pmem", "dax") == 0);
    task_struct* reader = sys_spawn(*r.k, "reader");
    const int rfd = sys_open(*r.k, reader, "/mnt/pmem/file", O_RDONLY);
    REQUIRE(rfd >= 0);
    CHECK(sys_file_size(*r.k, reader, rfd) == 8192);
    std::vector<std::byte> back(8192);
    REQUIRE(sys_pread(*r.k, reader, rfd, back, 0) == 8192);
    CHECK(back == fill(8192, 0x3c));
    // The image was found, not remade: mkfs without -f refuses it once unmounted.
    REQUIRE(sys_close(*r.k, reader, rfd) == 0);
    do_exit(*r.k, reader, 0);
    REQUIRE(do_umount(*r.k, "/mnt/pmem") == 0);
    CHECK(mkfs_xfs(*r.k, "/dev/" + ns.blockdev, MkfsOptions{}) == -EEXIST);
}

TEST_CASE("xfs images are keyed by where the device is not by its name") {
    Rig r;
    r.boot();
    NamespaceInfo ns;
    REQUIRE(ndctl_create_namespace(*r.k, NamespaceSpec{}, &ns) == 0);
    const std::string key = r.k->vfs().durable_key(ns.blockdev);
    CHECK(key == fmt::format("pmem@{:#x}+{:#x}", ns.spa_start, ns.size));
    CHECK(r.k->vfs().durable_key("dm-0") == "dev:dm-0");
    REQUIRE(mkfs_xfs(*r.k, "/dev/" + ns.blockdev, MkfsOptions{}) == 0);
    CHECK(r.durable.xfs_image(key) != nullptr);
}

TEST_CASE("an SRAO patrol scrub record adds badblocks and queues memory failure without killing") {
    Rig r;
    r.boot();
    NamespaceInfo ns;
    REQUIRE(ndctl_create_namespace(*r.k, NamespaceSpec{}, &ns) == 0);
    const u64 bad = ns.spa_start + 5 * 4096 + 512;
    REQUIRE(r.machine.firmware().inject_error(bad, 1));
    const std::vector<platform::MachineCheck> found = r.machine.ras().patrol_scrub();
    REQUIRE(found.size() == 1);
    CHECK(found[0].mci_addr == bad);
    const mce_grade g = mce_severity(found[0], mce_origin::kernel, true);
    CHECK(g.sev == mce_sev::AO);
    CHECK(std::string(g.msg) == "Action optional: memory scrubbing error");
    CHECK(do_machine_check(*r.k, found[0], mce_origin::kernel) == 0);
    const auto bb = ndctl_badblocks(*r.k, ns.dev);
    REQUIRE(bb.size() == 1);
    CHECK(bb[0].length == 1);
    CHECK(r.k->stats().mf_events.value == 0); // queued, not yet run
    memory_failure_work_func(*r.k);
    CHECK(r.k->stats().mf_events.value == 1);
}
