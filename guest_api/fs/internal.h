// Helpers shared by the VFS syscall files (fs/internal.h in the kernel).
#pragma once

#include <memory>
#include <string>

#include "guest_api/fs/fs.h"
#include "guest_api/fs/vfs.h"

namespace daxsim::kernel {

class Kernel;
struct task_struct;

inline constexpr int EBADE_DEDUPE = 52;   // EBADE: remap_file_range_prep says "dedupe data differs"

// Syscall entry: the task becomes current and the entry cost is charged.
void syscall_enter(Kernel& k, task_struct* t);
// The open file behind fd (fdget), or nullptr.
[[nodiscard]] std::shared_ptr<file> fget(task_struct* t, int fd);
// The mounted file system an inode belongs to, or nullptr (device nodes).
[[nodiscard]] vfs_super* inode_super(const inode& ino);
[[nodiscard]] inline bool file_readable(const file& f) { return (f.f_flags & 3) != O_WRONLY; }
[[nodiscard]] inline bool file_writable(const file& f) { return (f.f_flags & 3) != O_RDONLY; }

// path lookup (fs/namei.c): resolves an absolute path to its inode and file operations; creates a
// regular file with O_CREAT. 0 or -errno.
int path_openat(Kernel& k, const std::string& path, int flags, std::shared_ptr<inode>* ino,
                const file_operations** fop);

} // namespace daxsim::kernel
