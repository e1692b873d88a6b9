// The system calls the scenario layer's tools (xfs_io, cp, rm, prctl, ...) make, with the kernel's
// return convention: >= 0 on success, -errno on failure. `t` is the calling task; each call sets it as
// current, charges cost.syscall and runs on the task's CPU. A task killed by a signal during the call
// (SIGBUS on a poisoned load) has `exited` set when the call returns.
//
// Implemented where the kernel implements them: fs/ (open, read_write, ioctl, remap_range, fiemap,
// namei), mm/ (mmap, msync, madvise, user access), kernel/ (fork/exit, prctl).
#pragma once

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "guest_api/kernel/types.h"

// prctl, fallocate and mmap constants come from the C library headers above (macros with the Linux
// values); the simulated kernel relies on that numbering.
static_assert(PR_MCE_KILL == 33 && PR_MCE_KILL_CLEAR == 0 && PR_MCE_KILL_SET == 1 && PR_MCE_KILL_LATE == 0 &&
              PR_MCE_KILL_EARLY == 1 && PR_MCE_KILL_DEFAULT == 2, "Linux prctl values");
static_assert(FALLOC_FL_KEEP_SIZE == 0x01 && FALLOC_FL_PUNCH_HOLE == 0x02 && FALLOC_FL_UNSHARE_RANGE == 0x40,
              "Linux fallocate modes");
static_assert(PROT_READ == 0x1 && PROT_WRITE == 0x2 && MAP_SHARED == 0x01 && MAP_SYNC == 0x80000 &&
              MS_ASYNC == 1 && MS_SYNC == 4 && MADV_HWPOISON == 100, "Linux mmap values");

namespace daxsim::kernel {

class Kernel;
struct task_struct;

// --- processes (kernel/fork.c, kernel/exit.c, kernel/sys.c) ---------------------------------------
// A new process named `comm` on CPU pid % cpu_count, with an empty mm.
task_struct* sys_spawn(Kernel& k, const std::string& comm);
// Process exit: closes files, unmaps everything.
void do_exit(Kernel& k, task_struct* t, int code);
[[nodiscard]] task_struct* find_task(Kernel& k, const std::string& comm); // a live task by name
// The most recent task with that name, alive or dead (expectations about a killed task).
[[nodiscard]] task_struct* find_task_any(Kernel& k, const std::string& comm);

int sys_prctl(Kernel& k, task_struct* t, int option, unsigned long arg2, unsigned long arg3);

// --- files (fs/open.c, fs/read_write.c, fs/namei.c) ---------------------------------------------
int sys_open(Kernel& k, task_struct* t, const std::string& path, int flags, unsigned mode = 0644);
int sys_close(Kernel& k, task_struct* t, int fd);
ssize_t sys_pread(Kernel& k, task_struct* t, int fd, std::span<std::byte> buf, loff_t pos);
ssize_t sys_pwrite(Kernel& k, task_struct* t, int fd, std::span<const std::byte> buf, loff_t pos);
int sys_fsync(Kernel& k, task_struct* t, int fd);
int sys_fallocate(Kernel& k, task_struct* t, int fd, int mode, loff_t off, loff_t len);
int sys_ftruncate(Kernel& k, task_struct* t, int fd, loff_t len);
int sys_unlink(Kernel& k, task_struct* t, const std::string& path);
void sys_sync(Kernel& k);
loff_t sys_file_size(Kernel& k, task_struct* t, int fd);


// --- remap (fs/remap_range.c, fs/ioctl.c) -------------------------------------------------------
// FICLONE (len 0 = whole file) / FICLONERANGE.
int sys_ioctl_ficlonerange(Kernel& k, task_struct* t, int dst_fd, int src_fd, loff_t src_off, loff_t len,
                           loff_t dst_off);
inline constexpr int FILE_DEDUPE_RANGE_SAME = 0;
inline constexpr int FILE_DEDUPE_RANGE_DIFFERS = 1;
// FIDEDUPERANGE for one destination: returns 0 or -errno; *status gets FILE_DEDUPE_RANGE_SAME or
// FILE_DEDUPE_RANGE_DIFFERS, *bytes_deduped the bytes now shared.
int sys_ioctl_fideduperange(Kernel& k, task_struct* t, int src_fd, loff_t src_off, loff_t len, int dst_fd,
                            loff_t dst_off, int* status, u64* bytes_deduped);

// FS_IOC_FIEMAP
inline constexpr u32 FIEMAP_EXTENT_LAST = 0x00000001;
inline constexpr u32 FIEMAP_EXTENT_UNWRITTEN = 0x00000800;
inline constexpr u32 FIEMAP_EXTENT_SHARED = 0x00002000;
struct fiemap_extent {
    u64 fe_logical = 0;   // byte offset in the file
    u64 fe_physical = 0;  // byte offset on the device
    u64 fe_length = 0;
    u32 fe_flags = 0;
};
int sys_ioctl_fiemap(Kernel& k, task_struct* t, int fd, std::vector<fiemap_extent>* out);

// --- memory (mm/mmap.c, mm/msync.c, mm/madvise.c, user access) ----------------------------------
// Returns the mapping's address (> 0) or -errno.
long sys_mmap(Kernel& k, task_struct* t, u64 len, int prot, int flags, int fd, loff_t off);
int sys_munmap(Kernel& k, task_struct* t, u64 addr, u64 len);
int sys_msync(Kernel& k, task_struct* t, u64 addr, u64 len, int flags);
int sys_madvise(Kernel& k, task_struct* t, u64 addr, u64 len, int advice);
// What a load / store instruction of the task does at [addr, addr + buf.size()): page faults, DAX
// faults, consumption of poison (#MC -> memory_failure -> SIGBUS). Returns 0, or -EFAULT when the task
// got a signal (it is then dead when the signal's default action kills it).
int user_load(Kernel& k, task_struct* t, u64 addr, std::span<std::byte> buf);
int user_store(Kernel& k, task_struct* t, u64 addr, std::span<const std::byte> buf);

} // namespace daxsim::kernel
