#include "platform/dimm_health.h"

#include <algorithm>
#include <cmath>

namespace daxsim::platform {

namespace smart {

std::uint16_t encode_temperature(double celsius) {
    // 15 bits of magnitude in 1/16 degree: up to 2047.9375 C either way.
    const double sixteenths = std::min(std::round(std::fabs(celsius) * 16), 32767.0);
    const auto magnitude = static_cast<std::uint16_t>(sixteenths);
    return celsius < 0 && magnitude != 0 ? static_cast<std::uint16_t>(magnitude | 0x8000u) : magnitude;
}

double decode_temperature(std::uint16_t value) {
    const double magnitude = static_cast<double>(value & 0x7fffu) / 16;
    return (value & 0x8000u) != 0 ? -magnitude : magnitude;
}

} // namespace smart

std::uint64_t default_endurance_bytes(std::uint64_t capacity_bytes) {
    struct Rated {
        std::uint64_t capacity; // module size, binary GiB as the modules expose it
        long double pb_written; // 10^15 bytes
    };
    // Intel Optane DC Persistent Memory product brief (2019): 5 years, 15 W, 100 % 256 B writes.
    constexpr Rated rated[] = {{128ull << 30, 292}, {256ull << 30, 363}, {512ull << 30, 300}};
    const Rated* r = &rated[2];
    for (const Rated& x : rated)
        if (capacity_bytes <= x.capacity) {
            r = &x;
            break;
        }
    const long double bytes = r->pb_written * 1e15L * static_cast<long double>(capacity_bytes) /
                              static_cast<long double>(r->capacity);
    return std::max<std::uint64_t>(1, static_cast<std::uint64_t>(bytes));
}

DimmHealthParams dimm_health_params(const PlatformConfig& config) {
    const DimmConfig& d = config.dimm;
    DimmHealthParams p;
    p.endurance_bytes =
        d.endurance_bytes != 0 ? d.endurance_bytes : default_endurance_bytes(d.capacity_bytes);
    p.spare_lines = d.spare_bytes / d.line_bytes;
    p.ambient_celsius = d.ambient_celsius;
    p.idle_power_w = static_cast<double>(d.idle_power_mw) * 1e-3;
    p.read_energy_j_per_byte = static_cast<double>(d.read_energy_pj_per_byte) * 1e-12;
    p.write_energy_j_per_byte = static_cast<double>(d.write_energy_pj_per_byte) * 1e-12;
    p.media_c_per_w = d.media_thermal_resistance_c_per_w;
    p.controller_c_per_w = d.controller_thermal_resistance_c_per_w;
    p.time_constant_s = static_cast<double>(d.thermal_time_constant_ns) * 1e-9;
    return p;
}

DimmHealth::DimmHealth(const DimmHealthParams& params) : params_(params), threshold_(default_threshold()) {
    // Powered and idle long before the run starts: the idle steady state.
    media_c_ = params_.ambient_celsius + params_.idle_power_w * params_.media_c_per_w;
    controller_c_ = params_.ambient_celsius + params_.idle_power_w * params_.controller_c_per_w;
}

SmartThreshold DimmHealth::default_threshold() {
    SmartThreshold t;
    t.alarm_control = smart::spare_trip | smart::temp_trip | smart::ctemp_trip;
    t.spares = 10;
    t.media_temperature = smart::encode_temperature(82);
    t.ctrl_temperature = smart::encode_temperature(98);
    return t;
}

void DimmHealth::advance(MediaActivity total, std::uint64_t now_ns) {
    if (now_ns <= last_ns_) {
        // No time has passed: the traffic is carried into the next interval.
        return;
    }
    const double dt = static_cast<double>(now_ns - last_ns_) * 1e-9;
    const double read = static_cast<double>(total.read_bytes - std::min(total.read_bytes, last_.read_bytes));
    const double write =
        static_cast<double>(total.write_bytes - std::min(total.write_bytes, last_.write_bytes));
    const double power =
        params_.idle_power_w +
        (read * params_.read_energy_j_per_byte + write * params_.write_energy_j_per_byte) / dt;
    // First order: T(t) = T_steady + (T(0) - T_steady) exp(-t / tau), tau > 0 (validated).
    const double decay = std::exp(-dt / params_.time_constant_s);
    const double media_steady = params_.ambient_celsius + power * params_.media_c_per_w;
    const double ctrl_steady = params_.ambient_celsius + power * params_.controller_c_per_w;
    media_c_ = media_steady + (media_c_ - media_steady) * decay;
    controller_c_ = ctrl_steady + (controller_c_ - ctrl_steady) * decay;
    last_ns_ = now_ns;
    last_ = total;
}

SmartHealth DimmHealth::evaluate(MediaActivity total, std::uint64_t now_ns) {
    advance(total, now_ns);
    SmartHealth h;
    h.flags = smart::health_valid | smart::spares_valid | smart::used_valid | smart::mtemp_valid |
              smart::ctemp_valid | smart::shutdown_count_valid | smart::alarm_valid | smart::shutdown_valid;

    const std::uint64_t pool = params_.spare_lines;
    const std::uint64_t left = pool - retired_;
    const auto modelled_spares = static_cast<std::uint8_t>((left * 100 + pool / 2) / pool); // pool > 0
    h.spares = spares_injected_ ? spares_ : modelled_spares;

    // Rounded down: 100 % only once the rated endurance is fully written.
    const long double used =
        static_cast<long double>(total.write_bytes) * 100 / static_cast<long double>(params_.endurance_bytes);
    h.life_used = static_cast<std::uint8_t>(std::min<long double>(std::floor(used), 255));

    h.media_temperature = mtemp_injected_ ? mtemp_ : smart::encode_temperature(media_c_);
    h.ctrl_temperature = ctemp_injected_ ? ctemp_ : smart::encode_temperature(controller_c_);

    const auto& t = threshold_;
    if ((t.alarm_control & smart::spare_trip) && h.spares <= t.spares) h.alarm_flags |= smart::spare_trip;
    if ((t.alarm_control & smart::temp_trip) &&
        smart::decode_temperature(h.media_temperature) >= smart::decode_temperature(t.media_temperature))
        h.alarm_flags |= smart::temp_trip;
    if ((t.alarm_control & smart::ctemp_trip) &&
        smart::decode_temperature(h.ctrl_temperature) >= smart::decode_temperature(t.ctrl_temperature))
        h.alarm_flags |= smart::ctemp_trip;

    if (fatal_)
        h.health = smart::fatal_health;
    else if (h.spares == 0 || h.life_used >= 100)
        h.health = smart::critical_health;
    else if (h.alarm_flags != 0)
        h.health = smart::non_critical_health;

    h.shutdown_count = shutdown_count_;
    h.shutdown_state = shutdown_dirty_ ? 1 : 0;
    return h;
}

void DimmHealth::inject(const SmartInject& inj) {
    if (inj.flags & smart::inject_mtemp) {
        mtemp_injected_ = inj.mtemp_enable;
        mtemp_ = inj.media_temperature;
    }
    if (inj.flags & smart::inject_ctemp) {
        ctemp_injected_ = inj.ctemp_enable;
        ctemp_ = inj.ctrl_temperature;
    }
    if (inj.flags & smart::inject_spare) {
        spares_injected_ = inj.spare_enable;
        spares_ = inj.spares;
    }
    if (inj.flags & smart::inject_fatal) fatal_ = inj.fatal_enable;
    if (inj.flags & smart::inject_shutdown) {
        if (inj.unsafe_shutdown_enable) {
            shutdown_dirty_ = true;
            ++shutdown_count_;
        } else {
            shutdown_dirty_ = false;
        }
    }
}

std::uint64_t DimmHealth::retire_lines(std::uint64_t lines) {
    const std::uint64_t n = std::min(lines, spare_lines_left());
    retired_ += n;
    return n;
}

} // namespace daxsim::platform
