#include "guest_api/kernel/errno.h"

#include <array>

namespace daxsim::kernel {
namespace {

struct ErrnoEntry {
    int value;
    std::string_view name;
    std::string_view text;
};

// strerror texts as glibc prints them.
constexpr std::array kErrnos{
    ErrnoEntry{EPERM, "EPERM", "Operation not permitted"},
    ErrnoEntry{ESRCH, "ESRCH", "No such process"},
    ErrnoEntry{ENOENT, "ENOENT", "No such file or directory"},
    ErrnoEntry{EINTR, "EINTR", "Interrupted system call"},
    ErrnoEntry{EIO, "EIO", "Input/output error"},
    ErrnoEntry{ENXIO, "ENXIO", "No such device or address"},
    ErrnoEntry{E2BIG, "E2BIG", "Argument list too long"},
    ErrnoEntry{EBADF, "EBADF", "Bad file descriptor"},
    ErrnoEntry{EAGAIN, "EAGAIN", "Resource temporarily unavailable"},
    ErrnoEntry{ENOMEM, "ENOMEM", "Cannot allocate memory"},
    ErrnoEntry{EACCES, "EACCES", "Permission denied"},
    ErrnoEntry{EFAULT, "EFAULT", "Bad address"},
    ErrnoEntry{EBUSY, "EBUSY", "Device or resource busy"},
    ErrnoEntry{EEXIST, "EEXIST", "File exists"},
    ErrnoEntry{EXDEV, "EXDEV", "Invalid cross-device link"},
    ErrnoEntry{ENODEV, "ENODEV", "No such device"},
    ErrnoEntry{ENOTDIR, "ENOTDIR", "Not a directory"},
    ErrnoEntry{EISDIR, "EISDIR", "Is a directory"},
    ErrnoEntry{ENOTTY, "ENOTTY", "Inappropriate ioctl for device"},
    ErrnoEntry{EINVAL, "EINVAL", "Invalid argument"},
    ErrnoEntry{EFBIG, "EFBIG", "File too large"},
    ErrnoEntry{ENOSPC, "ENOSPC", "No space left on device"},
    ErrnoEntry{EROFS, "EROFS", "Read-only file system"},
    ErrnoEntry{ERANGE, "ERANGE", "Numerical result out of range"},
    ErrnoEntry{ENAMETOOLONG, "ENAMETOOLONG", "File name too long"},
    ErrnoEntry{ENOSYS, "ENOSYS", "Function not implemented"},
    ErrnoEntry{ENOTEMPTY, "ENOTEMPTY", "Directory not empty"},
    ErrnoEntry{ENODATA, "ENODATA", "No data available"},
    ErrnoEntry{EBADMSG, "EBADMSG", "Bad message"},
    ErrnoEntry{ENOTBLK, "ENOTBLK", "Block device required"},
    ErrnoEntry{EOVERFLOW, "EOVERFLOW", "Value too large for defined data type"},
    ErrnoEntry{EOPNOTSUPP, "EOPNOTSUPP", "Operation not supported"},
    ErrnoEntry{EUCLEAN, "EUCLEAN", "Structure needs cleaning"},
    ErrnoEntry{EHWPOISON, "EHWPOISON", "Memory page has hardware error"},
};

} // namespace

std::optional<std::string_view> errno_name(int err) {
    if (err < 0) err = -err;
    for (const auto& e : kErrnos)
        if (e.value == err) return e.name;
    return std::nullopt;
}

std::optional<int> errno_from_name(std::string_view name) {
    if (name == "EFSCORRUPTED") return EFSCORRUPTED;
    if (name == "EFSBADCRC") return EFSBADCRC;
    if (name == "ENOTSUP") return EOPNOTSUPP;
    for (const auto& e : kErrnos)
        if (e.name == name) return e.value;
    return std::nullopt;
}

std::string_view errno_text(int err) {
    if (err < 0) err = -err;
    for (const auto& e : kErrnos)
        if (e.value == err) return e.text;
    return "Unknown error";
}

} // namespace daxsim::kernel
