// drivers/md/dm-linear.c: "START LEN linear DEV OFF" maps the target's sectors one to one onto DEV
// from sector OFF.
#include "guest_api/kernel/errno.h"

#include <charconv>

#include "guest_api/drivers/md/dm.h"

namespace daxsim::kernel {

namespace {

bool parse_sector(const std::string& s, sector_t* out) {
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
    return ec == std::errc{} && p == s.data() + s.size();
}

struct LinearTarget final : target_type {
    [[nodiscard]] const char* name() const override { return "linear"; }

    int ctr(Kernel& k, mapped_device& md, dm_target& ti,
            const std::vector<std::string>& argv) const override {
        if (argv.size() != 2) {
            ti.error = "Invalid argument count";
            return -EINVAL;
        }
        sector_t start = 0;
        if (!parse_sector(argv[1], &start)) {
            ti.error = "Invalid device sector";
            return -EINVAL;
        }
        dm_dev* dev = nullptr;
        if (const int r = dm_get_device(k, md, ti, argv[0], start, ti.len, &dev); r < 0) {
            ti.error = "Device lookup failed";
            return r;
        }
        ti.stripes = {dm_stripe{dev, start}};
        return 0;
    }

    [[nodiscard]] dm_map_result map(const dm_target& ti, sector_t offset) const override {
        return {0, ti.stripes[0].physical_start + offset, ti.len - offset};
    }

    void reverse(const dm_target&, std::size_t, u64 dev_off, u64 len,
                 const std::function<void(u64, u64)>& fn) const override {
        fn(dev_off, len);
    }
};

const LinearTarget linear_target;

} // namespace

const target_type& dm_linear_target() {
    return linear_target;
}

} // namespace daxsim::kernel
