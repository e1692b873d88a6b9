#include "scenarios/atomic_file.h"

#include <fstream>
#include <stdexcept>

namespace daxsim::scenarios {

void write_file_atomically(const std::filesystem::path& target,
                           const std::function<void(std::ostream&)>& write) {
    namespace fs = std::filesystem;
    if (target.has_parent_path()) fs::create_directories(target.parent_path());
    const fs::path tmp = target.parent_path() / ("." + target.filename().string() + ".tmp");
    try {
        {
            std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
            if (!out) throw std::runtime_error("cannot create " + tmp.string());
            write(out);
            out.flush();
            if (!out) throw std::runtime_error("cannot write " + tmp.string());
        }
        fs::rename(tmp, target);
    } catch (...) {
        std::error_code ignored;
        fs::remove(tmp, ignored);
        throw;
    }
}

} // namespace daxsim::scenarios
