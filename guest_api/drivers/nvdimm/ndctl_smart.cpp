// ND_CMD_CALL with the Intel DSM health functions (guest_api/drivers/nvdimm/ndctl_smart.h).
#include "guest_api/drivers/nvdimm/ndctl_smart.h"

#include <optional>

#include "guest_api/drivers/nvdimm/bus.h"
#include "guest_api/kernel/errno.h"
#include "guest_api/kernel/kernel.h"

namespace daxsim::kernel {
namespace {

// The nvdimm the ioctl was opened on: its NFIT index.
std::optional<unsigned> dimm_index(Kernel& k, const std::string& name) {
    for (const nvdimm& d : k.nvdimm().dimms())
        if (d.name == name) return d.index;
    return std::nullopt;
}

} // namespace

int ndctl_dimm_smart(Kernel& k, const std::string& dimm, platform::SmartHealth* out) {
    const auto i = dimm_index(k, dimm);
    if (!i) return -ENXIO;
    const auto h = k.firmware().smart_health(*i);
    if (!h) return -ENXIO;
    if (out) *out = *h;
    return 0;
}

int ndctl_dimm_smart_threshold(Kernel& k, const std::string& dimm, platform::SmartThreshold* out) {
    const auto i = dimm_index(k, dimm);
    if (!i) return -ENXIO;
    const auto t = k.firmware().smart_threshold(*i);
    if (!t) return -ENXIO;
    if (out) *out = *t;
    return 0;
}

int ndctl_dimm_smart_set_threshold(Kernel& k, const std::string& dimm, const platform::SmartThreshold& t) {
    const auto i = dimm_index(k, dimm);
    if (!i || !k.firmware().smart_set_threshold(*i, t)) return -ENXIO;
    return 0;
}

int ndctl_dimm_smart_inject(Kernel& k, const std::string& dimm, const platform::SmartInject& inj) {
    const auto i = dimm_index(k, dimm);
    if (!i || !k.firmware().smart_inject(*i, inj)) return -ENXIO;
    return 0;
}

} // namespace daxsim::kernel
