// FICLONE / FICLONERANGE and FIDEDUPERANGE (fs/remap_range.c, fs/ioctl.c).
#include "guest_api/kernel/errno.h"

#include "guest_api/fs/internal.h"
#include "guest_api/kernel/kernel.h"
#include "guest_api/mm/mm_types.h"
#include "guest_api/syscalls.h"

namespace daxsim::kernel {
namespace {

// The shared checks of vfs_clone_file_range and vfs_dedupe_file_range_one.
int remap_prep(file& src, file& dst, vfs_super** sb) {
    vfs_super* ssb = inode_super(*src.f_inode);
    vfs_super* dsb = inode_super(*dst.f_inode);
    if (!ssb || !dsb) return -EINVAL;   // not regular files
    if (ssb != dsb) return -EXDEV;
    *sb = ssb;
    return 0;
}

} // namespace

int sys_ioctl_ficlonerange(Kernel& k, task_struct* t, int dst_fd, int src_fd, loff_t src_off, loff_t len,
                           loff_t dst_off) {
    syscall_enter(k, t);
    auto src = fget(t, src_fd);
    auto dst = fget(t, dst_fd);
    if (!src || !dst) return -EBADF;
    if (!file_readable(*src) || !file_writable(*dst)) return -EBADF;
    vfs_super* sb = nullptr;
    if (const int err = remap_prep(*src, *dst, &sb); err) return err;
    const loff_t cloned = sb->s_op->remap_file_range(k, *src, src_off, *dst, dst_off, len, 0);
    if (cloned < 0) return static_cast<int>(cloned);
    // ioctl_file_clone: a range clone that did less than asked is an error.
    if (len != 0 && cloned != len) return -EINVAL;
    return 0;
}

int sys_ioctl_fideduperange(Kernel& k, task_struct* t, int src_fd, loff_t src_off, loff_t len, int dst_fd,
                            loff_t dst_off, int* status, u64* bytes_deduped) {
    syscall_enter(k, t);
    *status = FILE_DEDUPE_RANGE_SAME;
    *bytes_deduped = 0;
    auto src = fget(t, src_fd);
    auto dst = fget(t, dst_fd);
    if (!src || !dst) return -EBADF;
    if (!file_readable(*src) || !file_writable(*dst)) return -EBADF;
    vfs_super* sb = nullptr;
    if (const int err = remap_prep(*src, *dst, &sb); err) return err;
    const loff_t deduped =
        sb->s_op->remap_file_range(k, *src, src_off, *dst, dst_off, len, REMAP_FILE_DEDUP | REMAP_FILE_CAN_SHORTEN);
    if (deduped == -EBADE_DEDUPE) {   // data differs: not an error, nothing shared
        *status = FILE_DEDUPE_RANGE_DIFFERS;
        return 0;
    }
    if (deduped < 0) return static_cast<int>(deduped);
    *bytes_deduped = static_cast<u64>(deduped);
    return 0;
}

} // namespace daxsim::kernel
