// Functions shared inside drivers/nvdimm (drivers/nvdimm/nd.h, nd-core.h) and the hooks other layers
// call: the ACPI NFIT machine-check notifier (drivers/acpi/nfit/mce.c) and poison bookkeeping.
#pragma once

#include <string>

#include "guest_api/kernel/types.h"

namespace daxsim::kernel {

class Kernel;
struct nd_namespace;
struct nd_region;

// nfit_handle_mce(): a machine check at [spa, spa + len) inside an NVDIMM range: the bad range goes
// into the bus poison list, the region's badblocks and every pmem device over it.
void nfit_handle_mce(Kernel& k, u64 spa, u64 len);
// nvdimm_bus_add_badrange() + region notify: poison known at [spa, spa + len).
void nvdimm_badblocks_add(Kernel& k, u64 spa, u64 len);
// Poison cleared at [spa, spa + len): region and pmem badblocks drop it.
void nvdimm_badblocks_clear(Kernel& k, u64 spa, u64 len);

// namespace_devs.c: probe (bind the mode's driver) and remove.
int nd_namespace_probe(Kernel& k, nd_namespace& ns);
void nd_namespace_remove(Kernel& k, nd_namespace& ns);
// label.c: write every namespace of the DIMMs of `region` to their label areas; read them back.
int nd_labels_write(Kernel& k, nd_region& region);
int nd_labels_scan(Kernel& k, nd_region& region);
// Computes data_offset / data_size (nd_pfn_init); -EINVAL when nothing usable remains.
int nd_pfn_layout(nd_namespace& ns);
// "namespace0.0" / "pmem0" / "pmem0.1" / "dax0.0" names for a namespace's id.
void nd_namespace_names(nd_namespace& ns);

} // namespace daxsim::kernel
