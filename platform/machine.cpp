#include "platform/machine.h"

#include <bit>
#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <string>

#include <fmt/format.h>
#include <systemc>

#include "models/cache.h"
#include "models/cpu_core.h"
#include "models/memory_controller.h"
#include "models/patrol_scrubber.h"
#include "models/pmem_dimm.h"
#include "models/sim_time.h"
#include "platform/address_map.h"
#include "platform/functional_memory.h"
#include "platform/nfit_firmware.h"

namespace daxsim::platform {
namespace {

// Address Range Scrub rate. ARS is a background media read by each DIMM's controller at low priority;
// we assume 1 GiB/s per DIMM, the DIMMs of a set scrubbing in parallel (a full ARS of the default six
// 128 GiB DIMMs then takes ~128 s, the order of minutes ndctl warns about). An assumption to calibrate.
constexpr double ars_bytes_per_second_per_dimm = 1024.0 * 1024.0 * 1024.0;

// Returns true; used in a member initialiser so it runs before the first SystemC object is built.
bool quiet_systemc() {
    ::setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
    return true;
}

} // namespace

struct Machine::Impl {
    class Port;
    class RasImpl;

    Impl(const PlatformConfig& config, Tracer& tracer);

    // The guest runs in one SystemC thread and may use any CPU's port: before it switches CPU, the
    // previous core's local time is synchronised, so simulated time seen by the guest never goes back.
    models::CpuCore& activate(unsigned cpu);
    // Backdoor paths into the timed models (a cache flush from the firmware, a power failure) issue
    // their transactions at SystemC time, which lags the active core's local time: with one guest thread,
    // sync that core first so they happen at the machine's time.
    void catch_up();
    // The machine's time: the active core's (SystemC time plus its local offset), SystemC time before any
    // core ran.
    [[nodiscard]] std::uint64_t now_ns() const {
        return models::to_ns(active != nullptr ? active->now() : sc_core::sc_time_stamp());
    }
    void scrub_elapsed(std::uint64_t bytes, unsigned ways);

    bool quiet = quiet_systemc();
    PlatformConfig config;
    Tracer& tracer;
    Nfit nfit;
    std::vector<std::unique_ptr<models::PmemDimm>> dimms;
    std::unique_ptr<models::MemoryController> mc;
    std::unique_ptr<models::Cache> cache;
    std::vector<std::unique_ptr<models::CpuCore>> cores;
    std::unique_ptr<NfitFirmware> firmware;
    std::vector<std::unique_ptr<Port>> ports;
    std::unique_ptr<Port> uncached; // over cores.back(), bound to the controller (Machine::uncached_port)
    std::unique_ptr<models::PatrolScrubber> scrubber;
    std::unique_ptr<RasImpl> ras;
    models::CpuCore* active = nullptr;
    bool in_guest = false;
    bool parallel = false; // run_parallel: each guest thread owns its core, no switching between them
    bool ran = false;
};

class Machine::Impl::Port final : public MemoryPort {
  public:
    Port(Impl& m, unsigned cpu) : m_(m), cpu_(cpu), core_(*m.cores.at(cpu)) {}

    AccessResult load(std::uint64_t spa, std::span<std::byte> out) override {
        auto& core = activate();
        return convert(core, core.load(spa, out));
    }
    AccessResult load_nowait(std::uint64_t spa, std::span<std::byte> out) override {
        auto& core = activate();
        return convert(core, core.load_nowait(spa, out));
    }
    AccessResult store(std::uint64_t spa, std::span<const std::byte> in) override {
        auto& core = activate();
        return convert(core, core.store(spa, in));
    }
    AccessResult nt_store(std::uint64_t spa, std::span<const std::byte> in) override {
        auto& core = activate();
        return convert(core, core.nt_store(spa, in));
    }
    AccessResult clwb(std::uint64_t spa, std::uint64_t len) override {
        auto& core = activate();
        return convert(core, core.clwb(spa, len));
    }
    AccessResult sfence() override {
        auto& core = activate();
        return convert(core, core.sfence());
    }
    AccessResult mfence() override {
        auto& core = activate();
        return convert(core, core.mfence());
    }
    AccessResult clflushopt(std::uint64_t spa, std::uint64_t len) override {
        auto& core = activate();
        return convert(core, core.clflushopt(spa, len));
    }
    AccessResult clflush(std::uint64_t spa, std::uint64_t len) override {
        auto& core = activate();
        return convert(core, core.clflush(spa, len));
    }
    void cpu_work(std::uint64_t ns) override { activate().work(models::ns(ns)); }
    // With one guest thread (Machine::run) the machine's time is the active core's: another core's clock
    // is SystemC time, which lags the active core's local time until the next sync, and catches up when
    // the core is activated (activate() syncs the previous one first). Asking the time through an idle
    // port (the scenario runner, after a task died) must not read the lagging clock.
    [[nodiscard]] std::uint64_t now_ns() const override {
        return !m_.parallel && m_.active != nullptr ? m_.now_ns() : models::to_ns(core_.now());
    }
    [[nodiscard]] unsigned cpu() const override { return cpu_; }

  private:
    // Machine::Impl::activate for this port's core, inline for the usual call: the core is already the
    // active one.
    models::CpuCore& activate() {
        if (m_.in_guest && m_.active == &core_) return core_;
        return m_.activate(cpu_);
    }
    // Inline for the usual access, which succeeded; a fault is filled in out of line.
    AccessResult convert(models::CpuCore& core, const models::CpuCore::Result& r) const {
        AccessResult out;
        out.cost_ns = models::to_ns(r.cost);
        out.latency_ns = models::to_ns(r.latency);
        out.bytes_done = r.bytes_done;
        if (r.status != models::CpuCore::Status::ok) fault(core, r.status, out);
        return out;
    }
    [[gnu::noinline]] void fault(models::CpuCore& core, models::CpuCore::Status status,
                                 AccessResult& out) const {
        switch (status) {
        case models::CpuCore::Status::ok:
            break;
        case models::CpuCore::Status::bus_error:
            out.status = AccessStatus::no_device;
            break;
        case models::CpuCore::Status::machine_check: {
            out.status = AccessStatus::machine_check;
            auto& mca = core.mca();
            const auto& bank = mca.banks[models::mca::dcu_bank];
            out.mce =
                MachineCheck{cpu_, models::mca::dcu_bank, mca.mcg_status, bank.status, bank.addr, bank.misc};
            // The guest's handler has no MSR access: hand it the record and do what do_machine_check()
            // does once it has read the bank (mce_clear_state, MCG_STATUS = 0), so the next #MC on this
            // core does not report OVER.
            mca.clear(models::mca::dcu_bank);
            mca.mcg_status = 0;
            break;
        }
        }
    }

    Impl& m_;
    unsigned cpu_;
    models::CpuCore& core_;
};

class Machine::Impl::RasImpl final : public Ras {
  public:
    explicit RasImpl(Impl& m) : m_(m) {}

    std::vector<MachineCheck> patrol_scrub() override {
        const models::ScrubPass pass = m_.scrubber->pass();
        // The pass runs in the background on the controller; the scenario waits for it to complete, so its
        // time passes on the guest's clock. Every finding is reported at the end of the pass.
        if (m_.in_guest && pass.duration_ns != 0) {
            models::CpuCore& core = m_.active != nullptr ? *m_.active : m_.activate(0);
            core.work(models::ns(pass.duration_ns));
        }
        std::vector<MachineCheck> out;
        const unsigned cpu = m_.active != nullptr ? m_.active->index() : 0;
        const std::uint64_t now = m_.now_ns();
        for (const auto& f : pass.found) {
            out.push_back(
                MachineCheck{cpu, f.bank, f.mcg_status, f.record.status, f.record.addr, f.record.misc});
            if (m_.tracer.enabled())
                m_.tracer.instant(m_.mc->name(), "patrol scrub: poison", now,
                                  {{"spa", fmt::format("{:#x}", f.spa)}, {"bank", std::to_string(f.bank)}});
            if (m_.tracer.waves()) {
                const std::string mc = m_.mc->name();
                m_.tracer.pulse(mc + ".patrol_scrub_poison", now);
                m_.tracer.value(fmt::format("cpu{}.mc{}_status", cpu, f.bank), now, f.record.status, 64);
            }
        }
        return out;
    }

    std::vector<MachineCheck> cmci_poll() override {
        std::vector<MachineCheck> out;
        const unsigned cpu = m_.active != nullptr ? m_.active->index() : 0;
        for (const auto& r : m_.mc->take_cmci()) {
            out.push_back(MachineCheck{cpu, r.bank, 0, r.record.status, r.record.addr, r.record.misc});
            if (m_.tracer.enabled())
                m_.tracer.instant(m_.mc->name(), "UCNA: posted write failed (CMCI)", r.at_ns,
                                  {{"spa", fmt::format("{:#x}", r.spa)}, {"bank", std::to_string(r.bank)}});
            if (m_.tracer.waves()) {
                m_.tracer.pulse(std::string(m_.mc->name()) + ".cmci", r.at_ns);
                m_.tracer.value(fmt::format("cpu{}.mc{}_status", cpu, r.bank), r.at_ns, r.record.status, 64);
            }
        }
        return out;
    }

    PowerfailReport powerfail() override {
        m_.catch_up(); // the caches write back at the machine's time, not SystemC's lagging one
        PowerfailReport r;
        r.domain = m_.config.persistence;
        // Writes the controller accepted are in its WPQ, inside the ADR domain: in this model they reached
        // the DIMM inside their transaction already. The caches are in the domain only under eADR.
        if (r.domain == Persistence::eadr)
            r.lines_flushed = m_.cache->writeback_all();
        else
            r.lines_lost = m_.cache->drop_dirty();
        (void)m_.cache->drop_dirty(); // the caches come back empty either way
        // The DIMMs' XPBuffers are inside the power-fail domain in both modes: flushed to the media.
        for (auto& d : m_.dimms)
            (void)d->drain_buffer();
        for (auto& core : m_.cores)
            core->mca() = models::mca::McaBanks{};
        m_.firmware->power_cycle(); // through the persistence domain: a clean shutdown on every DIMM
        return r;
    }

  private:
    Impl& m_;
};

Machine::Impl::Impl(const PlatformConfig& cfg, Tracer& tr) : config(cfg), tracer(tr), nfit(build_nfit(cfg)) {
    if (auto err = config.validate()) throw std::invalid_argument(*err);
    tlm_utils::tlm_quantumkeeper::set_global_quantum(models::ns(config.quantum_ns));

    std::vector<models::PmemMedia*> media;
    for (unsigned i = 0; i < config.dimm_count; ++i) {
        models::PmemDimmParams p;
        p.index = i;
        p.capacity_bytes = config.dimm.capacity_bytes;
        p.line_bytes = config.dimm.line_bytes;
        p.read_latency = models::ns(config.dimm.read_latency_ns);
        p.write_latency = models::ns(config.dimm.write_latency_ns);
        p.label_bytes = config.dimm.label_bytes;
        p.buffer_lines = config.dimm.buffer_bytes / config.dimm.line_bytes;
        p.buffer_hit = models::ns(config.dimm.buffer_hit_ns);
        p.read_bandwidth = static_cast<double>(config.dimm.read_bandwidth_bytes_per_s);
        p.write_bandwidth = static_cast<double>(config.dimm.write_bandwidth_bytes_per_s);
        p.media_partitions = config.dimm.media_partitions;
        dimms.push_back(std::make_unique<models::PmemDimm>(fmt::format("nmem{}", i).c_str(), p, tracer));
        media.push_back(&dimms.back()->media());
    }
    models::MemoryControllerParams mp;
    mp.sets = interleave_sets(config);
    mp.dimm_count = config.dimm_count;
    mp.frontend = models::ns(config.mc.frontend_ns);
    mp.wpq_depth = config.mc.wpq_depth;
    mp.rpq_depth = config.mc.rpq_depth;
    mp.poison_lsb = static_cast<unsigned>(std::countr_zero(config.dimm.line_bytes));
    mc = std::make_unique<models::MemoryController>("mc0", mp, tracer);
    for (unsigned i = 0; i < config.dimm_count; ++i)
        mc->dimm[i].bind(dimms[i]->socket);

    models::CacheParams cp;
    cp.capacity_bytes = config.cpu.cache_bytes;
    cp.ways = config.cpu.cache_ways;
    cp.hit_latency = models::ns(config.cpu.cache_hit_ns);
    cache = std::make_unique<models::Cache>("llc", cp);
    cache->mem.bind(mc->socket);

    // Core `index` named `name`, its socket not yet bound.
    auto add_core = [&](unsigned index, const std::string& name) -> models::CpuCore& {
        models::CpuCoreParams p;
        p.index = index;
        p.fill_buffers = config.cpu.fill_buffers;
        p.sync_each_access = config.timing == Timing::at;
        cores.push_back(std::make_unique<models::CpuCore>(name.c_str(), p, tracer));
        return *cores.back();
    };
    for (unsigned c = 0; c < config.cpu.count; ++c) {
        add_core(c, fmt::format("cpu{}", c)).socket.bind(cache->socket);
        ports.push_back(std::make_unique<Port>(*this, c));
    }
    // The uncached requester: a core whose socket reaches the controller directly.
    add_core(config.cpu.count, "uc").socket.bind(mc->socket);
    uncached = std::make_unique<Port>(*this, config.cpu.count);

    FirmwareHooks hooks;
    hooks.flush_caches = [this](std::uint64_t spa, std::uint64_t len) {
        catch_up(); // the write-backs happen at the machine's time
        cache->flush_range(spa, len);
    };
    hooks.scrub_elapsed = [this](std::uint64_t bytes, unsigned ways) { scrub_elapsed(bytes, ways); };
    hooks.media_activity = [this](unsigned d) {
        return MediaActivity{dimms[d]->stats().media_read_bytes.value,
                             dimms[d]->stats().media_write_bytes.value};
    };
    hooks.now_ns = [this] { return now_ns(); };
    std::vector<const models::PmemMedia*> scrub_media(media.begin(), media.end());
    const models::PatrolScrubberParams scrub{config.mc.scrub_rate_bytes_per_s};
    scrubber =
        std::make_unique<models::PatrolScrubber>(std::move(scrub_media), interleave_sets(config), scrub);
    ras = std::make_unique<RasImpl>(*this);
    firmware = std::make_unique<NfitFirmware>(interleave_sets(config), std::move(media), std::move(hooks),
                                              dimm_health_params(config));
}

void Machine::Impl::catch_up() {
    if (in_guest && !parallel && active != nullptr) active->sync();
}

models::CpuCore& Machine::Impl::activate(unsigned cpu) {
    models::CpuCore& core = *cores.at(cpu);
    if (!in_guest) throw std::logic_error("MemoryPort used outside Machine::run");
    if (!parallel && active != nullptr && active != &core) active->sync();
    active = &core;
    return core;
}

void Machine::Impl::scrub_elapsed(std::uint64_t bytes, unsigned ways) {
    // Outside the guest thread (a scenario's setup) the scrub is instantaneous.
    if (!in_guest) return;
    const double seconds = static_cast<double>(bytes) / (ars_bytes_per_second_per_dimm * ways);
    models::CpuCore& core = active != nullptr ? *active : activate(0);
    core.work(sc_core::sc_time(seconds, sc_core::SC_SEC));
}

Machine::Machine(const PlatformConfig& config, Tracer& tracer)
    : impl_(std::make_unique<Impl>(config, tracer)) {}
Machine::~Machine() = default;

const Nfit& Machine::nfit() const {
    return impl_->nfit;
}
MemoryPort& Machine::port(unsigned cpu) {
    return *impl_->ports.at(cpu);
}
MemoryPort& Machine::uncached_port() {
    return *impl_->uncached;
}
Firmware& Machine::firmware() {
    return *impl_->firmware;
}
Ras& Machine::ras() {
    return *impl_->ras;
}
unsigned Machine::cpu_count() const {
    return static_cast<unsigned>(impl_->ports.size()); // the uncached requester is not a CPU
}

void Machine::run(std::function<void()> guest) {
    if (impl_->ran) throw std::logic_error("Machine::run called twice");
    impl_->ran = true;
    // sc_stop() is how a run ends here, not news: keep it out of the output.
    sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    std::exception_ptr failure;
    sc_core::sc_spawn(
        [this, &guest, &failure] {
            impl_->in_guest = true;
            try {
                guest();
            } catch (...) {
                failure = std::current_exception();
            }
            // Let SystemC time catch up with the guest's last accesses before stopping.
            if (impl_->active != nullptr) impl_->active->sync();
            impl_->in_guest = false;
            sc_core::sc_stop();
        },
        "guest");
    sc_core::sc_start();
    if (failure) std::rethrow_exception(failure);
}

void Machine::run_parallel(std::vector<std::function<void()>> guests) {
    if (impl_->ran) throw std::logic_error("Machine::run called twice");
    if (guests.empty() || guests.size() > cpu_count())
        throw std::invalid_argument(
            fmt::format("run_parallel: {} guests for {} CPUs", guests.size(), cpu_count()));
    impl_->ran = true;
    impl_->parallel = true;
    sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    std::exception_ptr failure;
    std::size_t running = guests.size();
    impl_->in_guest = true;
    for (std::size_t i = 0; i < guests.size(); ++i)
        sc_core::sc_spawn(
            [this, i, &guests, &failure, &running] {
                try {
                    guests[i]();
                } catch (...) {
                    if (!failure) failure = std::current_exception();
                }
                // This core's last accesses happen before the end of the run.
                impl_->cores[i]->sync();
                if (--running == 0) {
                    impl_->in_guest = false;
                    sc_core::sc_stop();
                }
            },
            fmt::format("guest{}", i).c_str());
    sc_core::sc_start();
    if (failure) std::rethrow_exception(failure);
}

MetricMap Machine::metrics() const {
    MetricMap out;
    for (const auto& d : impl_->dimms)
        d->stats().collect(out);
    impl_->mc->stats().collect(out);
    impl_->scrubber->stats().collect(out);
    impl_->cache->stats().collect(out);
    for (const auto& c : impl_->cores)
        c->stats().collect(out);
    return out;
}

std::uint64_t Machine::now_ns() const {
    return impl_->now_ns();
}

} // namespace daxsim::platform
