// The health a PMEM DIMM's controller firmware reports through the Intel DSM health functions (Get SMART
// Health Info, Get / Set SMART Thresholds, Inject SMART; platform/firmware.h), as a model rather than
// constants. Evaluated lazily, from the DIMM's media counters and simulated time, when health is
// queried: nothing runs on the access path.
//
//  - life used: media bytes written / rated endurance, in percent (rounded down, capped at 255 as the
//    one-byte field allows). The endurance is a parameter (dimm.endurance, platform_config.h).
//  - spares: a finite pool of spare XPLines (dimm.spare_capacity). Each poisoned line the firmware
//    clears (Clear Uncorrectable Error) is retired and remapped to a spare, as media firmware does with
//    a line that failed; when the pool is empty the line cannot be remapped and stays poisoned.
//    Reported as the percentage of the pool left, rounded to the nearest percent.
//  - temperatures: a first-order thermal model per sensor. Power P = idle power + read energy x media
//    bytes read per second + write energy x media bytes written per second; each sensor relaxes towards
//    ambient + P x its thermal resistance with one time constant. Between two queries the power is the
//    interval's average (the model sees counters, not individual accesses), so the result is exact for a
//    steady workload and smooths bursts shorter than the query interval. At time zero the DIMM sits at
//    its idle steady state.
//  - alarms: a trip bit is set for an enabled alarm whose threshold is crossed (spares at or below,
//    temperatures at or above), the test nfit_test's smart_notify() applies in the kernel tree.
//  - health status: fatal when injected; critical when the spare pool is empty or life used reaches
//    100 %; non-critical when an alarm trips; ok otherwise (our mapping: Intel does not publish the
//    firmware's rules).
//  - shutdown: state of the last shutdown (clean / dirty) and the dirty shutdown count. Inject SMART with
//    unsafe shutdown records a dirty shutdown at once (state dirty, count + 1), as the kernel's nfit_test
//    emulation does (tools/testing/nvdimm/test/nfit.c); uninjecting sets the state clean. A power cycle
//    through the platform's persistence domain (powerfail under ADR or eADR: the WPQ, and under eADR
//    the caches, reach the media) is a clean shutdown: state clean, count unchanged.
// Everything here lives on the DIMM: it survives power cycles. Injected values stay until uninjected.
#pragma once

#include <cstdint>

#include "platform/firmware.h"
#include "platform/platform_config.h"

namespace daxsim::platform {

struct DimmHealthParams {
    std::uint64_t endurance_bytes = 292'000'000'000'000'000; // media bytes written at 100 % life used
    std::uint64_t spare_lines = 4u << 20;                    // spare XPLines for retired lines
    double ambient_celsius = 35;                             // air around the DIMM
    double idle_power_w = 3.5;                               // power with no media traffic
    double read_energy_j_per_byte = 1.74e-9;                 // per media byte read
    double write_energy_j_per_byte = 5.0e-9;                 // per media byte written
    double media_c_per_w = 3.0;                              // media sensor rise per watt, steady state
    double controller_c_per_w = 3.5;                         // controller sensor rise per watt
    double time_constant_s = 60;                             // thermal time constant
};

// Cumulative media traffic of one DIMM since the machine was built.
struct MediaActivity {
    std::uint64_t read_bytes = 0;
    std::uint64_t write_bytes = 0;
};

// The rated endurance of a DIMM of `capacity_bytes` (dimm.endurance = 0, platform_config.h): Intel's
// published figure for the module size, scaled by capacity for sizes in between.
[[nodiscard]] std::uint64_t default_endurance_bytes(std::uint64_t capacity_bytes);
// The model's parameters from the platform configuration (units converted, auto values resolved).
[[nodiscard]] DimmHealthParams dimm_health_params(const PlatformConfig& config);

class DimmHealth {
  public:
    explicit DimmHealth(const DimmHealthParams& params);

    // Get SMART Health Info at `now_ns`, given the DIMM's cumulative media traffic then. Advances the
    // thermal state: call with non-decreasing times and counters (a time before the last is taken as
    // the last).
    SmartHealth evaluate(MediaActivity total, std::uint64_t now_ns);

    [[nodiscard]] const SmartThreshold& threshold() const { return threshold_; }
    void set_threshold(const SmartThreshold& t) { threshold_ = t; }
    void inject(const SmartInject& inj);

    // The firmware retires `lines` failed lines: each takes a spare while any are left. Returns how many
    // were remapped.
    std::uint64_t retire_lines(std::uint64_t lines);
    [[nodiscard]] std::uint64_t spare_lines_left() const { return params_.spare_lines - retired_; }

    // Power is cut and restored through the persistence domain: a clean shutdown.
    void clean_shutdown() { shutdown_dirty_ = false; }

    // Factory thresholds: every alarm enabled, spares 10 %, media 82 C, controller 98 C. Our choice
    // (Intel does not publish its defaults): above what the thermal model reaches at full write power
    // (ambient 35 C + 15 W x 3.0 C/W = 80 C media, + 15 W x 3.5 C/W = 87.5 C controller).
    [[nodiscard]] static SmartThreshold default_threshold();

  private:
    void advance(MediaActivity total, std::uint64_t now_ns);

    DimmHealthParams params_;
    SmartThreshold threshold_;
    std::uint64_t retired_ = 0;
    // Thermal state at last_ns_, after last_ traffic.
    double media_c_ = 0;
    double controller_c_ = 0;
    std::uint64_t last_ns_ = 0;
    MediaActivity last_;
    // Injected values (Inject SMART), used instead of the model's while set.
    bool mtemp_injected_ = false;
    std::uint16_t mtemp_ = 0;
    bool ctemp_injected_ = false;
    std::uint16_t ctemp_ = 0;
    bool spares_injected_ = false;
    std::uint8_t spares_ = 0;
    bool fatal_ = false;
    bool shutdown_dirty_ = false;
    std::uint32_t shutdown_count_ = 0;
};

} // namespace daxsim::platform
