// Kernel::boot(): what the nvdimm stack does at boot (acpi_nfit_init, nvdimm_bus_register, region and
// namespace scans from the DIMM labels, driver probe), after the log line the kernel prints for it.
#include "guest_api/kernel/errno.h"

#include <fmt/format.h>

#include "guest_api/drivers/nvdimm/bus.h"
#include "guest_api/drivers/nvdimm/nd.h"
#include "guest_api/kernel/kernel.h"

namespace daxsim::kernel {

int Kernel::boot() {
    if (const int rc = nvdimm().register_from_nfit(); rc < 0) return rc;
    for (auto& region : nvdimm().regions()) {
        if (const int rc = nd_labels_scan(*this, *region); rc < 0) return rc;
        for (auto& ns : region->namespaces) {
            if (const int rc = nd_namespace_probe(*this, *ns); rc < 0)
                printk(LogLevel::err, fmt::format("nd_pmem {}: probe failed: {}", ns->dev, rc));
        }
    }
    return 0;
}

} // namespace daxsim::kernel
