#include "platform/functional_memory.h"

#include <algorithm>
#include <bit>
#include <stdexcept>
#include <utility>

#include "models/mca.h"
#include "models/patrol_scrubber.h"
#include "models/pmem_media.h"
#include "platform/address_map.h"
#include "platform/nfit_firmware.h"

namespace daxsim::platform {
namespace {

constexpr std::uint64_t cache_line = 64;
constexpr std::uint64_t access_cost_ns = 1; // every port call, whatever its size

} // namespace

struct FunctionalMachine::Impl {
    class Port;
    class RasImpl;

    explicit Impl(const PlatformConfig& config);

    // Walks [spa, spa + len) chunk by chunk; `fn(dimm index, dpa, spa, n)` returns false to stop.
    // Returns the bytes walked before a gap in the address map (== len when all decode).
    template <typename Fn> std::uint64_t walk(std::uint64_t spa, std::uint64_t len, Fn&& fn) {
        std::uint64_t done = 0;
        while (done < len) {
            const auto d = decode_spa(sets, spa + done);
            if (!d) return done;
            const std::uint64_t n = std::min(len - done, d->bytes_left_in_chunk);
            if (!fn(d->dimm, d->dpa, spa + done, n)) return done;
            done += n;
        }
        return done;
    }

    Nfit nfit;
    std::vector<models::InterleaveSet> sets;
    std::vector<std::unique_ptr<models::PmemMedia>> media;
    std::unique_ptr<NfitFirmware> firmware;
    std::vector<std::unique_ptr<Port>> ports;
    std::unique_ptr<models::PatrolScrubber> scrubber;
    std::unique_ptr<RasImpl> ras;
    Persistence persistence = Persistence::adr;
    std::uint64_t now_ns = 0; // one clock for the machine: tests drive it from one thread
    // Media traffic per DIMM, whole lines as the DIMM moves them (no XPBuffer here: every access reaches
    // the media), for the firmware's health model.
    std::vector<MediaActivity> traffic;
    std::vector<MachineCheck> cmci; // UCNAs of dropped posted writes, as the timed controller logs them

    // Media traffic of DIMM `dimm`: a read touches whole lines, a write writes lines_written whole lines
    // after reading the rmw_lines among them.
    void count_read(unsigned dimm, std::uint64_t dpa, std::uint64_t n) {
        const models::PmemMedia& md = *media[dimm];
        if (n != 0) traffic[dimm].read_bytes += md.lines_touched(dpa, n) * md.line_bytes();
    }
    void count_write(unsigned dimm, const models::PmemMedia::WriteResult& w) {
        const std::uint64_t lb = media[dimm]->line_bytes();
        traffic[dimm].write_bytes += w.lines_written * lb;
        traffic[dimm].read_bytes += w.rmw_lines * lb;
    }

    // The record the timed controller logs (models/memory_controller.cpp) for the media line at `line_spa`
    // on DIMM `dimm`.
    void log_failed_write(unsigned dimm, std::uint64_t line_spa) {
        const auto r = models::mca::ucna_memory_write(line_spa, models::mca::imc_channel(dimm),
                                                      static_cast<unsigned>(std::countr_zero(media[dimm]->line_bytes())));
        cmci.push_back(MachineCheck{0, models::mca::imc_bank(dimm), 0, r.status, r.addr, r.misc});
    }
};

class FunctionalMachine::Impl::Port final : public MemoryPort {
  public:
    Port(Impl& m, unsigned cpu) : m_(m), cpu_(cpu) {}

    AccessResult load(std::uint64_t spa, std::span<std::byte> out) override {
        AccessResult r = tick();
        std::optional<std::uint64_t> poisoned_cl;
        const std::uint64_t walked =
            m_.walk(spa, out.size(),
                    [&](unsigned dimm, std::uint64_t dpa, std::uint64_t at, std::uint64_t n) {
                        models::PmemMedia& md = *m_.media[dimm];
                        const std::uint64_t off = at - spa;
                        if (auto bad = md.first_poisoned(dpa, n)) {
                            // First 64 B cache line of this access that lies in the poisoned media line.
                            const std::uint64_t bad_spa = *bad > dpa ? at + (*bad - dpa) : at;
                            const std::uint64_t cl = bad_spa / cache_line * cache_line;
                            const std::uint64_t good = std::max(off, cl > spa ? cl - spa : 0);
                            md.read(dpa, out.subspan(off, good - off));
                            m_.count_read(dimm, dpa, n);
                            poisoned_cl = cl;
                            r.bytes_done = good;
                            return false;
                        }
                        md.read(dpa, out.subspan(off, n));
                        m_.count_read(dimm, dpa, n);
                        return true;
                    });
        if (poisoned_cl) {
            const auto bank = models::mca::srar_data_load(*poisoned_cl);
            r.status = AccessStatus::machine_check;
            r.mce = MachineCheck{
                cpu_, models::mca::dcu_bank, models::mca::srar_mcg_status, bank.status, bank.addr, bank.misc};
            return r;
        }
        r.bytes_done = walked;
        if (walked < out.size()) r.status = AccessStatus::no_device;
        return r;
    }

    AccessResult load_nowait(std::uint64_t spa, std::span<std::byte> out) override { return load(spa, out); }
    AccessResult store(std::uint64_t spa, std::span<const std::byte> in) override { return write(spa, in); }
    AccessResult nt_store(std::uint64_t spa, std::span<const std::byte> in) override {
        return write(spa, in);
    }

    AccessResult clwb(std::uint64_t, std::uint64_t) override { return tick(); } // no cache: always durable
    AccessResult sfence() override { return tick(); }
    AccessResult mfence() override { return tick(); }
    AccessResult clflushopt(std::uint64_t, std::uint64_t) override { return tick(); } // no cache
    AccessResult clflush(std::uint64_t, std::uint64_t) override { return tick(); }
    void cpu_work(std::uint64_t ns) override { m_.now_ns += ns; }
    [[nodiscard]] std::uint64_t now_ns() const override { return m_.now_ns; }
    [[nodiscard]] unsigned cpu() const override { return cpu_; }

  private:
    AccessResult tick() {
        m_.now_ns += access_cost_ns;
        return AccessResult{AccessStatus::ok, access_cost_ns, 0, std::nullopt, access_cost_ns};
    }

    // Writes are posted and never fault: a full media-line write clears poison, a partial write into
    // a poisoned line is dropped by the DIMM's failed read-modify-write and the line stays poisoned.
    AccessResult write(std::uint64_t spa, std::span<const std::byte> in) {
        AccessResult r = tick();
        r.bytes_done = m_.walk(
            spa, in.size(), [&](unsigned dimm, std::uint64_t dpa, std::uint64_t at, std::uint64_t n) {
                const auto w = m_.media[dimm]->write(dpa, in.subspan(at - spa, n));
                m_.count_write(dimm, w);
                // The failed line lies in this piece's chunk, so its SPA is as far from `at` as its DPA
                // is from `dpa` (it may start before the piece).
                if (w.first_failed) m_.log_failed_write(dimm, at - (dpa - *w.first_failed));
                return true;
            });
        if (r.bytes_done < in.size()) r.status = AccessStatus::no_device;
        return r;
    }

    Impl& m_;
    unsigned cpu_;
};

class FunctionalMachine::Impl::RasImpl final : public Ras {
  public:
    explicit RasImpl(Impl& m) : m_(m) {}

    std::vector<MachineCheck> patrol_scrub() override {
        const models::ScrubPass pass = m_.scrubber->pass();
        m_.now_ns += pass.duration_ns;
        std::vector<MachineCheck> out;
        for (const auto& f : pass.found)
            out.push_back(
                MachineCheck{0, f.bank, f.mcg_status, f.record.status, f.record.addr, f.record.misc});
        return out;
    }
    std::vector<MachineCheck> cmci_poll() override { return std::exchange(m_.cmci, {}); }
    PowerfailReport powerfail() override {
        m_.firmware->power_cycle(); // through the persistence domain: a clean shutdown on every DIMM
        return PowerfailReport{m_.persistence, 0, 0};
    }

  private:
    Impl& m_;
};

FunctionalMachine::Impl::Impl(const PlatformConfig& config)
    : nfit(build_nfit(config)), sets(interleave_sets(config)) {
    if (auto err = config.validate()) throw std::invalid_argument(*err);
    std::vector<models::PmemMedia*> raw;
    for (unsigned i = 0; i < config.dimm_count; ++i) {
        media.push_back(std::make_unique<models::PmemMedia>(config.dimm.capacity_bytes,
                                                            config.dimm.line_bytes, config.dimm.label_bytes));
        raw.push_back(media.back().get());
    }
    std::vector<const models::PmemMedia*> scrub_media(raw.begin(), raw.end());
    const models::PatrolScrubberParams scrub{config.mc.scrub_rate_bytes_per_s};
    scrubber = std::make_unique<models::PatrolScrubber>(std::move(scrub_media), sets, scrub);
    ras = std::make_unique<RasImpl>(*this);
    persistence = config.persistence;
    traffic.resize(media.size());
    // No caches to flush and no time to charge for a scrub: the functional machine is always coherent
    // with media. The health model reads this machine's media traffic and clock.
    FirmwareHooks hooks;
    hooks.media_activity = [this](unsigned d) { return traffic.at(d); };
    hooks.now_ns = [this] { return now_ns; };
    firmware =
        std::make_unique<NfitFirmware>(sets, std::move(raw), std::move(hooks), dimm_health_params(config));
    for (unsigned c = 0; c < config.cpu.count; ++c)
        ports.push_back(std::make_unique<Port>(*this, c));
}

FunctionalMachine::FunctionalMachine(const PlatformConfig& config) : impl_(std::make_unique<Impl>(config)) {}
FunctionalMachine::~FunctionalMachine() = default;

const Nfit& FunctionalMachine::nfit() const {
    return impl_->nfit;
}
MemoryPort& FunctionalMachine::port(unsigned cpu) {
    return *impl_->ports.at(cpu);
}
std::vector<MemoryPort*> FunctionalMachine::ports() {
    std::vector<MemoryPort*> out;
    for (auto& p : impl_->ports)
        out.push_back(p.get());
    return out;
}
Firmware& FunctionalMachine::firmware() {
    return *impl_->firmware;
}
Ras& FunctionalMachine::ras() {
    return *impl_->ras;
}
unsigned FunctionalMachine::cpu_count() const {
    return static_cast<unsigned>(impl_->ports.size());
}

} // namespace daxsim::platform
