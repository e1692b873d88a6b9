// errno values as the kernel returns them (include/uapi/asm-generic/errno*.h, x86-64 numbering).
// Kernel functions return -E* as int/long, like the kernel.
#pragma once

#include <optional>
#include <string_view>

namespace daxsim::kernel {

inline constexpr int EPERM = 1;
inline constexpr int ENOENT = 2;
inline constexpr int EINTR = 4;
inline constexpr int EIO = 5;
inline constexpr int ENXIO = 6;
inline constexpr int EBADF = 9;
inline constexpr int EAGAIN = 11;
inline constexpr int ENOMEM = 12;
inline constexpr int EACCES = 13;
inline constexpr int EFAULT = 14;
inline constexpr int EBUSY = 16;
inline constexpr int EEXIST = 17;
inline constexpr int EXDEV = 18;
inline constexpr int ENODEV = 19;
inline constexpr int ENOTDIR = 20;
inline constexpr int EISDIR = 21;
inline constexpr int EINVAL = 22;
inline constexpr int EFBIG = 27;
inline constexpr int ENOSPC = 28;
inline constexpr int EROFS = 30;
inline constexpr int ERANGE = 34;
inline constexpr int ENAMETOOLONG = 36;
inline constexpr int ENOSYS = 38;
inline constexpr int ENOTEMPTY = 39;
inline constexpr int ENODATA = 61;
inline constexpr int EOVERFLOW = 75;
inline constexpr int EOPNOTSUPP = 95;
inline constexpr int EUCLEAN = 117;
inline constexpr int EHWPOISON = 133;
// XFS spells its corruption and shutdown errors (fs/xfs/xfs_linux.h).
inline constexpr int EFSCORRUPTED = EUCLEAN;
inline constexpr int EFSBADCRC = 74; // EBADMSG

// "EIO" for 5; nullopt for an unknown number.
[[nodiscard]] std::optional<std::string_view> errno_name(int err);
// 5 for "EIO" (also "EFSCORRUPTED"); nullopt for an unknown name.
[[nodiscard]] std::optional<int> errno_from_name(std::string_view name);
// strerror text: "Input/output error".
[[nodiscard]] std::string_view errno_text(int err);

} // namespace daxsim::kernel
