// NvdimmBus: the nvdimm bus built from the NFIT: nmem DIMMs, regions, namespaces, pmem devices, badblocks.
// Owned by the Kernel (guest_api/kernel/kernel.h); one instance per simulated machine.
#pragma once

namespace daxsim::kernel {

class Kernel;

class NvdimmBus {
  public:
    explicit NvdimmBus(Kernel& k) : k_(k) {}
    NvdimmBus(const NvdimmBus&) = delete;
    NvdimmBus& operator=(const NvdimmBus&) = delete;

  private:
    [[maybe_unused]] Kernel& k_;
};

} // namespace daxsim::kernel
