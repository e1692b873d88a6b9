// drivers/md/dm-stripe.c: "START LEN striped N CHUNK DEV0 OFF0 ... DEVn-1 OFFn-1" spreads the target
// over N devices in CHUNK-sector chunks, round robin: chunk c lives on device c % N at chunk c / N.
#include "guest_api/kernel/errno.h"

#include <algorithm>
#include <charconv>

#include "guest_api/drivers/md/dm.h"

namespace daxsim::kernel {

namespace {

bool parse_u64(const std::string& s, u64* out) {
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
    return ec == std::errc{} && p == s.data() + s.size();
}

constexpr sector_t PAGE_SECTORS = PAGE_SIZE >> SECTOR_SHIFT;

struct StripeTarget final : target_type {
    [[nodiscard]] const char* name() const override { return "striped"; }

    int ctr(Kernel& k, mapped_device& md, dm_target& ti,
            const std::vector<std::string>& argv) const override {
        auto fail = [&ti](const char* why) {
            ti.error = why;
            return -EINVAL;
        };
        if (argv.size() < 2) return fail("Not enough arguments");
        u64 stripes = 0;
        if (!parse_u64(argv[0], &stripes) || stripes == 0) return fail("Invalid stripe count");
        u64 chunk = 0;
        // v6.8 takes any non-zero chunk; DAX maps whole pages, so daxsim also wants a power of two of
        // at least one page (the kernel would build the table but direct_access would split pages).
        if (!parse_u64(argv[1], &chunk) || chunk == 0) return fail("Invalid chunk_size");
        if ((chunk & (chunk - 1)) != 0 || chunk % PAGE_SECTORS != 0)
            return fail("Invalid chunk_size (DAX needs a power of two of at least 8 sectors)");
        if (ti.len % stripes != 0) return fail("Target length not divisible by number of stripes");
        const sector_t width = ti.len / stripes;
        if (width % chunk != 0) return fail("Target length not divisible by chunk size");
        if (argv.size() != 2 + 2 * stripes) return fail("Not enough destinations specified");
        ti.chunk_size = chunk;
        ti.stripe_width = width;
        ti.stripes.clear();
        for (u64 i = 0; i < stripes; ++i) {
            const std::string& path = argv[2 + 2 * i];
            sector_t start = 0;
            if (!parse_u64(argv[3 + 2 * i], &start)) return fail("Invalid stripe destination");
            dm_dev* dev = nullptr;
            if (const int r = dm_get_device(k, md, ti, path, start, width, &dev); r < 0) {
                ti.error = "Couldn't parse stripe destination";
                return r;
            }
            ti.stripes.push_back(dm_stripe{dev, start});
        }
        return 0;
    }

    // stripe_map_sector().
    [[nodiscard]] dm_map_result map(const dm_target& ti, sector_t offset) const override {
        const sector_t n = ti.stripes.size();
        const sector_t chunk = offset / ti.chunk_size;
        const sector_t in_chunk = offset % ti.chunk_size;
        const std::size_t stripe = static_cast<std::size_t>(chunk % n);
        const sector_t dev_chunk = chunk / n;
        return {stripe, ti.stripes[stripe].physical_start + dev_chunk * ti.chunk_size + in_chunk,
                ti.chunk_size - in_chunk};
    }

    // Chunk k of stripe s (counted on the device) is chunk k * N + s of the target.
    void reverse(const dm_target& ti, std::size_t stripe, u64 dev_off, u64 len,
                 const std::function<void(u64, u64)>& fn) const override {
        const u64 chunk_bytes = ti.chunk_size << SECTOR_SHIFT;
        const u64 n = ti.stripes.size();
        for (u64 at = dev_off, end = dev_off + len; at < end;) {
            const u64 dev_chunk = at / chunk_bytes;
            const u64 in_chunk = at % chunk_bytes;
            const u64 run = std::min(chunk_bytes - in_chunk, end - at);
            fn((dev_chunk * n + stripe) * chunk_bytes + in_chunk, run);
            at += run;
        }
    }
};

const StripeTarget stripe_target;

} // namespace

const target_type& dm_stripe_target() {
    return stripe_target;
}

} // namespace daxsim::kernel
