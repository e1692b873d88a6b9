// What ndctl's health commands do through the ND_CMD_CALL ioctl on a DIMM (nmemN): the Intel DSM family
// functions Get SMART Health Info, Get / Set SMART Thresholds and Inject SMART, passed to the firmware by
// acpi_nfit_ctl() (drivers/acpi/nfit/core.c). Used by `ndctl list -D -H` and `ndctl inject-smart`.
#pragma once

#include <string>

#include "platform/firmware.h"

namespace daxsim::kernel {

class Kernel;

// Each returns 0, or -ENXIO when no DIMM is named `dimm` ("nmem0") or its firmware does not answer.
int ndctl_dimm_smart(Kernel& k, const std::string& dimm, platform::SmartHealth* out);
int ndctl_dimm_smart_threshold(Kernel& k, const std::string& dimm, platform::SmartThreshold* out);
int ndctl_dimm_smart_set_threshold(Kernel& k, const std::string& dimm, const platform::SmartThreshold& t);
int ndctl_dimm_smart_inject(Kernel& k, const std::string& dimm, const platform::SmartInject& inj);

} // namespace daxsim::kernel
