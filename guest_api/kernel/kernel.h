// The simulated kernel: one object that owns every subsystem's state, so that nothing is global
// (kernel code takes `Kernel&` where the real kernel would reach for a global). It reaches hardware only
// through the platform's MemoryPort and Firmware interfaces and never includes SystemC.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "guest_api/kernel/cost_model.h"
#include "guest_api/kernel/layer_timer.h"
#include "guest_api/kernel/printk.h"
#include "guest_api/kernel/types.h"
#include "models/stats.h"
#include "models/tracer.h"
#include "platform/firmware.h"
#include "platform/memory_port.h"
#include "platform/nfit.h"

namespace daxsim::kernel {

struct block_device;
struct file_operations;
struct inode;
struct task_struct;
class MmSubsystem;     // guest_api/mm/mm_subsystem.h: pages, dev_pagemaps, tasks, memory-failure state
class NvdimmBus;       // guest_api/drivers/nvdimm/bus.h: dimms, regions, namespaces, pmem devices
class DaxSubsystem;    // guest_api/drivers/dax/bus.h: dax_devices, device-dax instances
class DmSubsystem;     // guest_api/drivers/md/dm.h: mapped devices
class Vfs;             // guest_api/fs/vfs.h: mounts, path lookup, regular files
class DurableMetadata; // guest_api/fs/durable_metadata.h: file system images that survive a power cycle

enum class DmNotifyFailure { forward, upstream };

// Kernel tunables (sysctl, boot and module parameters). Scenario keys in brackets.
struct KernelConfig {
    bool memory_failure_early_kill = false;   // [vm.memory_failure_early_kill]
    bool memory_failure_recovery = true;      // [vm.memory_failure_recovery]
    DmNotifyFailure dm_notify_failure = DmNotifyFailure::forward; // [dm.notify_failure]
    // [fsdax.cow_copy_all] v6.8's dax_iomap_copy_around also copies the old data under a CoW write that
    // covers whole pages (its copy_all branch) before overwriting it; off, only the unchanged head and tail
    // are copied, as the project's CoW contract counts cow.copy_bytes.
    bool dax_cow_copy_all = false;
    CostModel cost;                           // [cost.*]
};

// A /dev node: a block device or a character device (device-dax) with its own inode and file ops.
struct DeviceNode {
    block_device* bdev = nullptr;
    std::shared_ptr<inode> chr;               // device-dax: an inode whose file ops mmap the device
    const file_operations* fops = nullptr;    // f_op for an open of the node (def_blk_fops, dax_fops)
};

// Counters every run reports (DESIGN.md "Metrics every run reports").
struct KernelStats {
    Counter mf_events{"mf.events", "events", "memory_failure() calls that handled a new poisoned page"};
    Counter mf_signals{"mf.signals", "signals", "SIGBUS/SIGKILL sent because of memory failure"};
    Counter mf_latency_ns{"mf.latency_ns", "ns", "machine check (or report) to the last signal of the latest event"};
    Counter cow_events{"cow.events", "events", "DAX writes that copied a shared extent (CoW)"};
    Counter cow_copy_bytes{"cow.copy_bytes", "B", "bytes copied around CoW writes (unchanged head and tail)"};
    Counter cow_latency_ns{"cow.latency_ns", "ns", "simulated time spent in CoW writes, total"};
    Counter dedupe_compare_bytes{"dedupe.compare_bytes", "B", "bytes compared by FIDEDUPERANGE"};

    void collect(MetricMap& out) const;
};

class Kernel {
  public:
    // `durable`: where file system metadata lives (DurableMetadata), owned by the caller so that it
    // outlives this Kernel across a power cycle; nullptr: the kernel keeps its own.
    Kernel(KernelConfig config, const platform::Nfit& nfit, platform::Firmware& firmware,
           std::vector<platform::MemoryPort*> cpus, Tracer& tracer, DurableMetadata* durable = nullptr);
    ~Kernel();
    Kernel(const Kernel&) = delete;
    Kernel& operator=(const Kernel&) = delete;

    // Boot: nvdimm bus from the NFIT, regions, namespaces from labels (drivers probe).
    int boot();

    // --- hardware access ---------------------------------------------------------------------
    // The CPU the current code runs on (the current task's CPU, or CPU 0).
    [[nodiscard]] platform::MemoryPort& port();
    [[nodiscard]] platform::MemoryPort& port(unsigned cpu) { return *cpus_.at(cpu); }
    [[nodiscard]] unsigned cpu_count() const { return static_cast<unsigned>(cpus_.size()); }
    [[nodiscard]] platform::Firmware& firmware() { return firmware_; }
    [[nodiscard]] const platform::Nfit& nfit() const { return nfit_; }
    [[nodiscard]] std::uint64_t now_ns() { return port().now_ns(); }
    // Charges `ns` of kernel CPU work on the current CPU (cost model).
    void cpu_work(std::uint64_t ns) { port().cpu_work(ns); }

    // --- logging, tracing, accounting ---------------------------------------------------------
    // printk with the current simulated time.
    void printk(LogLevel level, std::string text);
    [[nodiscard]] Dmesg& dmesg() { return dmesg_; }
    [[nodiscard]] Tracer& tracer() { return tracer_; }
    [[nodiscard]] LayerTimes& layer_times() { return layers_; }
    [[nodiscard]] KernelStats& stats() { return stats_; }
    [[nodiscard]] const KernelConfig& config() const { return config_; }
    [[nodiscard]] KernelConfig& config() { return config_; }
    [[nodiscard]] MetricMap metrics() const;

    // --- current task ---------------------------------------------------------------------------
    [[nodiscard]] task_struct* current() const { return current_; }
    void set_current(task_struct* t) { current_ = t; }

    // --- subsystems -----------------------------------------------------------------------------
    [[nodiscard]] MmSubsystem& mm() { return *mm_; }
    [[nodiscard]] NvdimmBus& nvdimm() { return *nvdimm_; }
    [[nodiscard]] DaxSubsystem& dax() { return *dax_; }
    [[nodiscard]] DmSubsystem& dm() { return *dm_; }
    [[nodiscard]] Vfs& vfs() { return *vfs_; }
    [[nodiscard]] DurableMetadata& durable() { return *durable_; }
    // /dev: "pmem0" -> node; names are without the "/dev/" prefix ("mapper/x" for dm aliases).
    std::map<std::string, DeviceNode>& dev_nodes() { return dev_nodes_; }

  private:
    KernelConfig config_;
    const platform::Nfit& nfit_;
    platform::Firmware& firmware_;
    std::vector<platform::MemoryPort*> cpus_;
    Tracer& tracer_;
    Dmesg dmesg_;
    LayerTimes layers_;
    KernelStats stats_;
    task_struct* current_ = nullptr;
    std::map<std::string, DeviceNode> dev_nodes_;
    // Declared before the subsystems: the file systems' images must outlive them.
    std::unique_ptr<DurableMetadata> own_durable_;
    DurableMetadata* durable_ = nullptr;
    std::unique_ptr<MmSubsystem> mm_;
    std::unique_ptr<NvdimmBus> nvdimm_;
    std::unique_ptr<DaxSubsystem> dax_;
    std::unique_ptr<DmSubsystem> dm_;
    std::unique_ptr<Vfs> vfs_;
};

} // namespace daxsim::kernel
