#include "guest_api/kernel/kernel.h"

#include "guest_api/drivers/dax/bus.h"
#include "guest_api/drivers/md/dm.h"
#include "guest_api/drivers/nvdimm/bus.h"
#include "guest_api/fs/durable_metadata.h"
#include "guest_api/fs/vfs.h"
#include "guest_api/mm/mm_subsystem.h"
#include "guest_api/mm/mm_types.h"

namespace daxsim::kernel {

Kernel::Kernel(KernelConfig config, const platform::Nfit& nfit, platform::Firmware& firmware,
               std::vector<platform::MemoryPort*> cpus, Tracer& tracer, DurableMetadata* durable)
    : config_(std::move(config)), nfit_(nfit), firmware_(firmware), cpus_(std::move(cpus)), tracer_(tracer),
      own_durable_(durable ? nullptr : std::make_unique<DurableMetadata>()),
      durable_(durable ? durable : own_durable_.get()), mm_(std::make_unique<MmSubsystem>(*this)),
      nvdimm_(std::make_unique<NvdimmBus>(*this)),
      dax_(std::make_unique<DaxSubsystem>(*this)), dm_(std::make_unique<DmSubsystem>(*this)),
      vfs_(std::make_unique<Vfs>(*this)) {}

Kernel::~Kernel() = default;

platform::MemoryPort& Kernel::port() {
    const unsigned cpu = current_ ? current_->cpu % cpu_count() : 0;
    return *cpus_.at(cpu);
}

void Kernel::printk(LogLevel level, std::string text) { dmesg_.log(now_ns(), level, std::move(text)); }

void KernelStats::collect(MetricMap& out) const {
    for (const Counter* c : {&mf_events, &mf_signals, &mf_latency_ns, &cow_events, &cow_copy_bytes,
                             &cow_latency_ns, &dedupe_compare_bytes})
        add_metric(out, *c);
}

MetricMap Kernel::metrics() const {
    MetricMap out;
    stats_.collect(out);
    return out;
}

} // namespace daxsim::kernel
