// errno values as the kernel returns them (include/uapi/asm-generic/errno*.h, x86-64 numbering).
// Kernel functions return -E* as int/long, like the kernel.
#pragma once

#include <cerrno>
#include <optional>
#include <string_view>

// The kernel layer spells errno values with their kernel names. glibc's <cerrno> defines the same names as
// macros with the x86-64 Linux numbers, so they are used as they are (a constant of the same name would be
// rewritten by the macro); the static_assert pins the numbering the simulated kernel relies on.
static_assert(EPERM == 1 && ENOENT == 2 && ESRCH == 3 && EINTR == 4 && EIO == 5 && ENXIO == 6 && EBADF == 9 &&
              EAGAIN == 11 && ENOMEM == 12 && EACCES == 13 && EFAULT == 14 && EBUSY == 16 && EEXIST == 17 &&
              EXDEV == 18 && ENODEV == 19 && ENOTDIR == 20 && EISDIR == 21 && EINVAL == 22 && EFBIG == 27 &&
              ENOSPC == 28 && EROFS == 30 && ERANGE == 34 && ENAMETOOLONG == 36 && ENOSYS == 38 &&
              ENOTEMPTY == 39 && ENODATA == 61 && EBADMSG == 74 && EOVERFLOW == 75 && EOPNOTSUPP == 95 &&
              EUCLEAN == 117 && EHWPOISON == 133 && ENOTBLK == 15,
              "daxsim's kernel layer assumes the x86-64 Linux errno numbering");

namespace daxsim::kernel {

// XFS spells its corruption errors (fs/xfs/xfs_linux.h).
inline constexpr int EFSCORRUPTED = EUCLEAN;
inline constexpr int EFSBADCRC = EBADMSG;

// "EIO" for 5; nullopt for an unknown number.
[[nodiscard]] std::optional<std::string_view> errno_name(int err);
// 5 for "EIO" (also "EFSCORRUPTED"); nullopt for an unknown name.
[[nodiscard]] std::optional<int> errno_from_name(std::string_view name);
// strerror text: "Input/output error".
[[nodiscard]] std::string_view errno_text(int err);

} // namespace daxsim::kernel
