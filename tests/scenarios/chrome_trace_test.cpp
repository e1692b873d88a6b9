#include <doctest/doctest.h>

#include <sstream>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "scenarios/chrome_trace.h"

using namespace daxsim::scenarios;

TEST_CASE("chrome trace output is valid json with thread names in first use order") {
    ChromeTraceWriter w;
    w.complete("cpu0", "load", 1500, 305, {{"spa", "0x4000000000"}});
    w.instant("kernel.mm", "memory_failure", 2001);
    w.complete("cpu0", "store", 3000, 90);
    w.flow_begin("cpu0", 7, 1500);
    w.flow_end("kernel.mm", 7, 2001);
    std::ostringstream out;
    w.write(out);
    const auto j = nlohmann::json::parse(out.str());
    CHECK(j["displayTimeUnit"] == "ns");
    const auto& ev = j["traceEvents"];
    REQUIRE(ev.size() == 8); // process name + 2 thread names + 5 events
    CHECK(ev[1]["name"] == "thread_name");
    CHECK(ev[1]["args"]["name"] == "cpu0");
    CHECK(ev[1]["tid"] == 1);
    CHECK(ev[2]["args"]["name"] == "kernel.mm");
    CHECK(ev[3]["ph"] == "X");
    CHECK(ev[3]["ts"] == 1.5);
    CHECK(ev[3]["dur"] == 0.305);
    CHECK(ev[3]["args"]["spa"] == "0x4000000000");
    CHECK(ev[4]["ph"] == "i");
    CHECK(ev[4]["tid"] == 2);
    CHECK(ev[6]["ph"] == "s");
    CHECK(ev[7]["ph"] == "f");
    CHECK(ev[7]["id"] == 7);
}

TEST_CASE("trace timestamps are microseconds with exact nanoseconds") {
    CHECK(format_trace_ts(0) == "0.000");
    CHECK(format_trace_ts(123456) == "123.456");
    CHECK(format_trace_ts(1000000007) == "1000000.007");
}

TEST_CASE("trace strings are escaped") {
    CHECK(json_quote("a\"b\\c\n") == "\"a\\\"b\\\\c\\n\"");
    ChromeTraceWriter w;
    w.complete("steps", "expect dmesg \"x\"", 0, 1);
    std::ostringstream out;
    w.write(out);
    CHECK(nlohmann::json::parse(out.str())["traceEvents"][2]["name"] == "expect dmesg \"x\"");
}

TEST_CASE("the same events give byte identical traces") {
    auto make = [] {
        ChromeTraceWriter w;
        w.complete("nmem0", "media_read", 10, 150);
        w.complete("steps", "sync", 0, 200);
        std::ostringstream out;
        w.write(out);
        return out.str();
    };
    CHECK(make() == make());
}

TEST_CASE("queue levels become counter tracks summed in time order") {
    ChromeTraceWriter w;
    w.level("mc0.wpq2", 300, -1); // reported before the +1 it follows in time, as a core running ahead does
    w.level("mc0.wpq2", 100, +1);
    w.level("mc0.wpq2", 200, +1);
    w.level("mc0.wpq2", 200, -1); // no change at 200: no sample
    w.level("mc0.wpq2", 250, +1);
    std::ostringstream out;
    w.write(out);
    const auto j = nlohmann::json::parse(out.str());
    std::vector<std::pair<double, int>> samples;
    for (const auto& e : j["traceEvents"])
        if (e["ph"] == "C") {
            CHECK(e["name"] == "mc0.wpq2");
            samples.emplace_back(e["ts"].get<double>(), e["args"]["value"].get<int>());
        }
    const std::vector<std::pair<double, int>> expected{{0.1, 1}, {0.25, 2}, {0.3, 1}};
    CHECK(samples == expected);
}
