// Each timing mode (timing=lt, timing=at) is measured in a child process of its own. In each, both
// loops run inside the Machine's guest thread, in alternating rounds (the reported figures are the round
// with the median ratio): the raw pair is elaborated next to the Machine
// before sc_start, and its loop calls the initiator socket's b_transport directly, annotating delay
// without wait(), the loosely-timed style the platform's cores use. A platform transaction is one
// MemoryPort call of one 64 B line (alternately a load and a store, streaming through fresh lines so
// that the cache misses and every access reaches the DIMM model).
#include "scenarios/bench_speed.h"

#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "models/tracer.h"
#include "platform/machine.h"
#include "scenarios/self_exec.h"

namespace daxsim::scenarios {
namespace {

using u64 = std::uint64_t;

class RawTarget final : public sc_core::sc_module {
  public:
    tlm_utils::simple_target_socket<RawTarget> socket;

    explicit RawTarget(sc_core::sc_module_name name) : sc_module(name), socket("socket") {
        socket.register_b_transport(this, &RawTarget::b_transport);
    }

  private:
    void b_transport(tlm::tlm_generic_payload& t, sc_core::sc_time& delay) {
        const u64 at = t.get_address() % mem_.size();
        const u64 len = std::min<u64>(t.get_data_length(), mem_.size() - at);
        if (t.is_read())
            std::memcpy(t.get_data_ptr(), mem_.data() + at, len);
        else if (t.is_write())
            std::memcpy(mem_.data() + at, t.get_data_ptr(), len);
        delay += sc_core::sc_time(1, sc_core::SC_NS);
        t.set_response_status(tlm::TLM_OK_RESPONSE);
    }

    std::array<unsigned char, 4096> mem_{};
};

class RawInitiator final : public sc_core::sc_module {
  public:
    tlm_utils::simple_initiator_socket<RawInitiator> socket;
    explicit RawInitiator(sc_core::sc_module_name name) : sc_module(name), socket("socket") {}
};

double per_second(u64 n, std::chrono::steady_clock::duration d) {
    const double s = std::chrono::duration<double>(d).count();
    return s > 0 ? static_cast<double>(n) / s : 0;
}

} // namespace

namespace {

// Both loops in this process, on a machine of the given timing mode.
// Both loops run in kRounds alternating rounds; the raw loop does kRawPerPlatform times as many
// transactions per round as the platform loop, so that both measure for a comparable wall time (a short
// raw loop is at the mercy of the host's frequency ramp and neighbours).
constexpr std::size_t kRounds = 5;
constexpr u64 kRawPerPlatform = 5;

struct Round {
    double raw = 0;
    double sim = 0;
};

int measure_mode(const BenchSpeedOptions& options, platform::Timing timing) {
    const u64 n = options.transactions;
    double raw = 0;
    double sim = 0;
    std::array<Round, kRounds> rounds{};
    try {
        platform::PlatformConfig cfg;
        cfg.timing = timing;
        NullTracer tracer;
        platform::Machine machine(cfg, tracer); // first: it silences SystemC's banner
        RawInitiator init("raw_initiator");
        RawTarget target("raw_target");
        init.socket.bind(target.socket);
        machine.run([&] {
            std::array<unsigned char, 64> buf{};
            sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
            auto raw_round = [&] {
                const u64 count = n * kRawPerPlatform;
                const auto t0 = std::chrono::steady_clock::now();
                for (u64 i = 0; i < count; ++i) {
                    tlm::tlm_generic_payload t;
                    t.set_command(i % 2 == 0 ? tlm::TLM_READ_COMMAND : tlm::TLM_WRITE_COMMAND);
                    t.set_address(i / 2 * 64);
                    t.set_data_ptr(buf.data());
                    t.set_data_length(64);
                    t.set_streaming_width(64);
                    t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
                    init.socket->b_transport(t, delay);
                    if (!t.is_response_ok()) throw std::runtime_error("raw transaction failed");
                }
                return per_second(count, std::chrono::steady_clock::now() - t0);
            };
            auto& port = machine.port(0);
            std::array<std::byte, 64> line{};
            u64 next = 0; // every round streams on through fresh lines
            auto platform_round = [&] {
                const auto t0 = std::chrono::steady_clock::now();
                for (u64 i = 0; i < n; ++i, ++next) {
                    const u64 at = cfg.pmem_spa_base + next * 64;
                    const auto r = next % 2 == 0 ? port.load(at, line) : port.store(at, line);
                    if (!r.ok()) throw std::runtime_error(fmt::format("access at {:#x} failed", at));
                }
                return per_second(n, std::chrono::steady_clock::now() - t0);
            };
            for (auto& round : rounds) {
                round.raw = raw_round();
                round.sim = platform_round();
            }
        });
        // The round with the median ratio: both loops ran back to back in it, under the same host load.
        std::sort(rounds.begin(), rounds.end(), [](const Round& a, const Round& b) {
            return a.sim * b.raw < b.sim * a.raw;
        });
        raw = rounds[rounds.size() / 2].raw;
        sim = rounds[rounds.size() / 2].sim;
    } catch (const std::exception& e) {
        fmt::print(stderr, "daxsim: bench speed: {}\n", e.what());
        return 1;
    }
    const double ratio = raw > 0 ? sim / raw : 0;
    nlohmann::ordered_json j{
        {"sim_txn_per_s", sim}, {"raw_txn_per_s", raw}, {"ratio", ratio}, {"rounds", kRounds}};
    fmt::print("{}\n", j.dump());
    return 0;
}


} // namespace

int bench_speed_main(const BenchSpeedOptions& options, const std::filesystem::path& self) {
    if (options.timing) {
        if (*options.timing == "lt") return measure_mode(options, platform::Timing::lt);
        if (*options.timing == "at") return measure_mode(options, platform::Timing::at);
        fmt::print(stderr, "daxsim: error: bench speed: --timing must be lt or at, not '{}'\n", *options.timing);
        return 2;
    }
    auto child = [&](const char* timing) {
        return run_self_json(self, fmt::format("bench speed --timing {} --transactions {}", timing,
                                               options.transactions));
    };
    auto lt = child("lt");
    auto at = child("at");
    if (!lt || !at) {
        fmt::print(stderr, "daxsim: bench speed: a measurement failed\n");
        return 1;
    }
    nlohmann::ordered_json j = *lt;
    j["timing"] = "lt";
    j["at"] = *at;
    if (options.json) {
        fmt::print("{}\n", j.dump(2));
        return 0;
    }
    for (const auto& [name, m] : {std::pair<const char*, const nlohmann::ordered_json&>{"lt", *lt}, {"at", *at}})
        fmt::print("timing={}: platform (MemoryPort, 64 B) {:.0f} txn/s, raw TLM b_transport {:.0f} txn/s, "
                   "ratio {:.3f}{}\n",
                   name, m.at("sim_txn_per_s").get<double>(), m.at("raw_txn_per_s").get<double>(),
                   m.at("ratio").get<double>(), std::string(name) == "lt" ? " (goal >= 0.25)" : "");
    return 0;
}

} // namespace daxsim::scenarios
