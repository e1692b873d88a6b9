// drivers/md/dm-ioctl.c: the control entry points dmsetup uses (DM_DEV_CREATE, DM_TABLE_LOAD,
// DM_DEV_SUSPEND to resume, DM_DEV_REMOVE), reduced to the admin.h calls the scenario tools make.
#include "guest_api/kernel/errno.h"

#include "guest_api/admin.h"
#include "guest_api/drivers/md/dm.h"
#include "guest_api/kernel/kernel.h"

namespace daxsim::kernel {

int dmsetup_create(Kernel& k, const std::string& name, const std::vector<DmTargetSpec>& table) {
    std::vector<dm_table_line> lines;
    lines.reserve(table.size());
    for (const DmTargetSpec& t : table)
        lines.push_back(dm_table_line{t.start, t.len, t.type, t.args});
    return k.dm().create(name, lines);
}

int dmsetup_remove(Kernel& k, const std::string& name) {
    return k.dm().remove(name);
}

std::optional<std::string> dm_disk_name(Kernel& k, const std::string& name) {
    if (const mapped_device* md = k.dm().find(name)) return md->disk_name();
    return std::nullopt;
}

} // namespace daxsim::kernel
