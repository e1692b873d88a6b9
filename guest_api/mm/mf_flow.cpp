#include "guest_api/mm/mf_flow.h"

#include <algorithm>

#include "guest_api/kernel/kernel.h"
#include "guest_api/mm/mm_subsystem.h"

namespace daxsim::kernel {

namespace {

// 1 ns before now: inside the span of the LayerScope that has just charged its cost.
std::uint64_t point_ns(Kernel& k) {
    const std::uint64_t now = k.now_ns();
    return now > 0 ? now - 1 : 0;
}

} // namespace

bool mf_flow_begin(Kernel& k, const std::string& track) {
    auto& flow = k.mm().mf_flow();
    if (flow || !k.tracer().enabled()) return false;
    flow = MmSubsystem::MfFlow{k.mm().next_mf_flow_id(), std::nullopt};
    k.tracer().flow_begin(track, flow->id, point_ns(k));
    return true;
}

bool mf_flow_begin_at(Kernel& k, const std::string& track, const std::string& name, std::uint64_t at_ns,
                      std::uint64_t dur_ns) {
    auto& flow = k.mm().mf_flow();
    if (flow || !k.tracer().enabled()) return false;
    flow = MmSubsystem::MfFlow{k.mm().next_mf_flow_id(), std::nullopt};
    // At least 2 ns so that the point at at_ns + 1 lies strictly inside the span.
    k.tracer().complete(track, name, at_ns, std::max<std::uint64_t>(dur_ns, 2));
    k.tracer().flow_begin(track, flow->id, at_ns + 1);
    return true;
}

void mf_flow_step(Kernel& k, const std::string& track) {
    const auto& flow = k.mm().mf_flow();
    if (flow) k.tracer().flow_step(track, flow->id, point_ns(k));
}

void mf_flow_signal(Kernel& k, const std::string& track) {
    auto& flow = k.mm().mf_flow();
    if (!flow) return;
    if (flow->last_signal)
        k.tracer().flow_step(flow->last_signal->first, flow->id, flow->last_signal->second);
    flow->last_signal = std::make_pair(track, point_ns(k));
}

void mf_flow_finish(Kernel& k, const std::string& track) {
    auto& flow = k.mm().mf_flow();
    if (!flow) return;
    if (flow->last_signal)
        k.tracer().flow_end(flow->last_signal->first, flow->id, flow->last_signal->second);
    else
        k.tracer().flow_end(track, flow->id, point_ns(k));
    flow.reset();
}

} // namespace daxsim::kernel
