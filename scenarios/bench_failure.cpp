// How the records are built (directly through the XFS API, on a timing-free FunctionalMachine): one inode
// maps an n/4-block region of AG 0 four times over, at every other file block (so no two records merge:
// n rmap records, each block shared by four of them), and a separate block, below the region with a free
// block between, is mapped by `owners` inodes. Each failure event is xfs_dax_notify_failure on that
// block (dax_holder_notify_failure with MF_ACTION_REQUIRED): the rmapbt query over it, one
// mf_dax_kill_procs per owner (no task maps the files: nothing is signalled, so every event is equal).
// The bulk records get no refcount records: the failure path does not read the refcountbt.
#include "guest_api/mm/mm_types.h"

#include "scenarios/bench_failure.h"

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "guest_api/admin.h"
#include "guest_api/block/blkdev.h"
#include "guest_api/drivers/dax/dax.h"
#include "guest_api/fs/vfs.h"
#include "guest_api/fs/xfs/xfs_alloc.h"
#include "guest_api/fs/xfs/xfs_bmap.h"
#include "guest_api/fs/xfs/xfs_inode.h"
#include "guest_api/fs/xfs/xfs_refcount.h"
#include "guest_api/kernel/kernel.h"
#include "guest_api/mm/memory_failure.h"
#include "models/tracer.h"
#include "platform/functional_memory.h"

namespace daxsim::scenarios {
namespace {

namespace k = daxsim::kernel;
using u64 = std::uint64_t;

constexpr unsigned kOwners = 4;
constexpr u64 kSharesPerBlock = 4;
constexpr unsigned kEvents = 1000;

struct Row {
    u64 records = 0;
    unsigned owners = 0;
    double host_us_per_event = 0;
    std::map<std::string, u64> sim_ns_per_layer;
};

Row measure(u64 n) {
    platform::PlatformConfig cfg;
    cfg.dimm_count = 6;
    cfg.dimm.capacity_bytes = 1ull << 30;
    platform::FunctionalMachine machine(cfg);
    NullTracer tracer;
    k::Kernel kern(k::KernelConfig{}, machine.nfit(), machine.firmware(), machine.ports(), tracer);
    kern.dmesg().set_echo(false);
    if (kern.boot() < 0) throw std::runtime_error("boot failed");
    k::NamespaceInfo ns;
    if (k::ndctl_create_namespace(kern, {}, &ns) < 0) throw std::runtime_error("namespace failed");
    const std::string dev = "/dev/" + ns.blockdev;
    if (k::mkfs_xfs(kern, dev, {}) < 0 || k::do_mount(kern, dev, "/mnt/pmem", "dax") < 0)
        throw std::runtime_error("mkfs/mount failed");
    auto& mp = static_cast<k::xfs_mount&>(*kern.vfs().find_mount("/mnt/pmem"));
    const k::xfs_sb& sb = mp.sb();

    auto alloc = [&](k::xfs_fsblock_t goal, k::xfs_extlen_t len) {
        k::xfs_alloc_arg a;
        a.goal = goal;
        a.minlen = a.maxlen = len;
        if (k::xfs_alloc_vextent(mp, a) != 0) throw std::runtime_error("alloc failed");
        return a.fsbno;
    };
    // The poisoned block, its owners, then (two blocks on) the bulk region.
    const k::xfs_fsblock_t victim = alloc(k::XFS_AGB_TO_FSB(sb, 0, 4096), 1);
    (void)alloc(victim + 1, 1); // spacer: no bulk record starts right next to the victim
    for (unsigned i = 0; i < kOwners; ++i) {
        std::shared_ptr<k::xfs_inode> ip;
        if (k::xfs_ialloc(mp, &ip) != 0) throw std::runtime_error("ialloc failed");
        k::xfs_bmap_map_extent(mp, *ip, {0, victim, 1, false});
        if (i > 0) k::xfs_refcount_increase_extent(mp, victim, 1);
    }
    const u64 region_blocks = n / kSharesPerBlock;
    const k::xfs_fsblock_t region = alloc(victim + 2, static_cast<k::xfs_extlen_t>(region_blocks));
    std::shared_ptr<k::xfs_inode> bulk;
    if (k::xfs_ialloc(mp, &bulk) != 0) throw std::runtime_error("ialloc failed");
    for (u64 i = 0; i < n; ++i)
        k::xfs_bmap_map_extent(mp, *bulk, {2 * i, region + i % region_blocks, 1, false});

    Row row;
    row.records = mp.pag(0).rmap.size();
    row.owners = kOwners;
    k::block_device& bdev = *mp.s_bdev;
    const u64 off = bdev.dax_offset + k::xfs_fsb_to_bdev_bytes(sb, victim);
    // One untimed event first: the first touch of every structure on the path is not what is measured.
    (void)k::dax_holder_notify_failure(kern, bdev.dax_dev, off, sb.sb_blocksize, k::MF_ACTION_REQUIRED);
    const auto before = kern.layer_times().totals();
    const auto t0 = std::chrono::steady_clock::now();
    for (unsigned e = 0; e < kEvents; ++e)
        (void)k::dax_holder_notify_failure(kern, bdev.dax_dev, off, sb.sb_blocksize, k::MF_ACTION_REQUIRED);
    const auto t1 = std::chrono::steady_clock::now();
    row.host_us_per_event = std::chrono::duration<double, std::micro>(t1 - t0).count() / kEvents;
    for (const auto& [layer, ns_total] : kern.layer_times().totals()) {
        const auto it = before.find(layer);
        const u64 prev = it == before.end() ? 0 : it->second;
        if (ns_total > prev) row.sim_ns_per_layer[layer] = (ns_total - prev) / kEvents;
    }
    return row;
}

} // namespace

int bench_failure_main(const BenchFailureOptions& options) {
    std::vector<Row> rows;
    try {
        for (u64 n = 1000; n <= options.max_records; n *= 10)
            rows.push_back(measure(n));
    } catch (const std::exception& e) {
        fmt::print(stderr, "daxsim: bench failure: {}\n", e.what());
        return 1;
    }
    if (options.json) {
        nlohmann::ordered_json j;
        j["rows"] = nlohmann::ordered_json::array();
        for (const Row& r : rows) {
            nlohmann::ordered_json layers = nlohmann::ordered_json::object();
            for (const auto& [layer, ns] : r.sim_ns_per_layer)
                layers[layer] = ns;
            j["rows"].push_back({{"records", r.records},
                                 {"owners", r.owners},
                                 {"host_us_per_event", r.host_us_per_event},
                                 {"sim_ns_per_layer", layers}});
        }
        fmt::print("{}\n", j.dump(2));
        return 0;
    }
    fmt::print("{:>10} {:>7} {:>18}  simulated ns per layer\n", "records", "owners", "host us/event");
    for (const Row& r : rows) {
        std::string layers;
        for (const auto& [layer, ns] : r.sim_ns_per_layer)
            layers += fmt::format(" {}={}", layer, ns);
        fmt::print("{:>10} {:>7} {:>18.2f} {}\n", r.records, r.owners, r.host_us_per_event, layers);
    }
    return 0;
}

} // namespace daxsim::scenarios
