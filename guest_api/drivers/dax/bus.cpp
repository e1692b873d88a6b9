// drivers/dax/bus.c and super.c's host registry: dax_device allocation and the dev_dax instances.
#include "guest_api/kernel/errno.h"

#include "guest_api/drivers/dax/bus.h"

#include "guest_api/fs/fs.h"
#include "guest_api/kernel/kernel.h"

namespace daxsim::kernel {

DaxSubsystem::DaxSubsystem(Kernel& k) : k_(k) {}
DaxSubsystem::~DaxSubsystem() = default;

dax_device* DaxSubsystem::alloc_dax(const std::string& name, u64 nr_pages, const dax_operations* ops,
                                    void* private_data) {
    auto d = std::make_unique<dax_device>();
    d->name = name;
    d->nr_pages = nr_pages;
    d->ops = ops;
    d->private_data = private_data;
    dax_device* raw = d.get();
    all_.push_back(std::move(d));
    by_name_[name] = raw;
    return raw;
}

void DaxSubsystem::put_dax(dax_device* dax_dev) {
    if (dax_dev == nullptr) return;
    if (auto it = by_name_.find(dax_dev->name); it != by_name_.end() && it->second == dax_dev) by_name_.erase(it);
}

dax_device* DaxSubsystem::find_dax(const std::string& name) const {
    auto it = by_name_.find(name);
    return it == by_name_.end() ? nullptr : it->second;
}

dev_dax* DaxSubsystem::find_dev_dax(const std::string& name) const {
    auto it = dev_daxes_.find(name);
    return it == dev_daxes_.end() ? nullptr : it->second.get();
}

} // namespace daxsim::kernel
