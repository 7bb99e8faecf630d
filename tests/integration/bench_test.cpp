// The load benchmark's driver (bench/loadgen) against the real parley and against the Python
// baseline, at a size a test can afford: every turn is answered and timed on both sides, and a
// server that cannot answer is reported as errors, not as figures.

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "process.hpp"

using namespace parley::test;
using nlohmann::json;

namespace {

const std::string customer = "8d3e0a5c-6b1f-4c2a-9f7e-0a1b2c3d4e5f";

struct bench_run {
  int voipbin_port = free_port();
  int llm_port = free_port();
  std::string json_path =
      (std::filesystem::temp_directory_path() /
       ("parley-bench-test-" + std::to_string(::getpid()) + "-" + std::to_string(voipbin_port) + ".json"))
          .string();

  std::vector<std::string> parley(const std::string& llm_url) const {
    return {PARLEY_BINARY,
            "--voipbin.api-url=http://127.0.0.1:" + std::to_string(voipbin_port) + "/v1.0",
            "--voipbin.ws-url=ws://127.0.0.1:" + std::to_string(voipbin_port) + "/v1.0/ws",
            "--voipbin.accesskey=sim-accesskey",
            "--voipbin.customer-id=" + customer,
            "--llm.provider=openai",
            "--llm.base-url=" + llm_url,
            "--llm.api-key=sim-key",
            "--llm.timeout=2",
            "--agent.greeting=",
            "--admin.listen=127.0.0.1:" + std::to_string(free_port()),
            "--log.level=warn"};
  }
  std::vector<std::string> python() const {
    return {"/usr/bin/python3",
            std::string(PARLEY_SOURCE_DIR) + "/bench/baseline/agent.py",
            "--api-url=http://127.0.0.1:" + std::to_string(voipbin_port) + "/v1.0",
            "--ws-url=ws://127.0.0.1:" + std::to_string(voipbin_port) + "/v1.0/ws",
            "--accesskey=sim-accesskey",
            "--customer-id=" + customer,
            "--llm-url=" + llm_url(),
            "--llm-key=sim-key"};
  }
  std::string llm_url() const { return "http://127.0.0.1:" + std::to_string(llm_port) + "/v1"; }

  // Runs the driver with `load` against `server`; returns its exit status and leaves the JSON.
  std::optional<int> drive(std::vector<std::string> load, const std::vector<std::string>& server,
                           std::string* output) const {
    load.push_back("--voipbin-port=" + std::to_string(voipbin_port));
    load.push_back("--llm-port=" + std::to_string(llm_port));
    load.push_back("--json=" + json_path);
    load.push_back("--log=" + json_path + ".log");
    load.push_back("--");
    load.insert(load.end(), server.begin(), server.end());
    child_process driver(LOADGEN_BINARY, load);
    auto rc = driver.wait(std::chrono::seconds(240));
    *output = driver.output();
    return rc;
  }
  json figures() const {
    std::ifstream in(json_path);
    return json::parse(in, nullptr, false);
  }
  ~bench_run() {
    std::remove(json_path.c_str());
    std::remove((json_path + ".log").c_str());
  }
};

const std::vector<std::string> small_load = {"--calls=12",    "--turns=3",      "--think-ms=300",
                                             "--ramp-ms=600", "--barge-in=0.5", "--playout-cps=60"};

// Every turn answered and timed on both sides, barge-ins measured, the process read.
void expect_complete(const json& f, const std::string& output) {
  ASSERT_TRUE(f.is_object()) << output;
  EXPECT_EQ(f["errors"], 0) << output;
  EXPECT_EQ(f["turns"], 36) << output;
  EXPECT_EQ(f["answered"], 36) << output;
  EXPECT_EQ(f["ingress"]["count"], 36) << output;
  EXPECT_EQ(f["egress"]["count"], 36) << output;
  EXPECT_GT(f["barge_in"]["count"].get<int>(), 0) << output;
  EXPECT_GT(f["cpu_s"].get<double>(), 0) << output;
  EXPECT_GT(f["rss_peak_kb"].get<double>(), 0) << output;
  EXPECT_EQ(f["peak_live_calls"].get<int>() > 0, true) << output;
  EXPECT_EQ(f["speakings_left"], 0) << output;
  EXPECT_EQ(f["exit_status"], 0) << output;
}

}  // namespace

TEST(Bench, DriverTimesEveryTurnThroughParley) {
  bench_run run;
  std::string output;
  auto rc = run.drive(small_load, run.parley(run.llm_url()), &output);
  ASSERT_EQ(rc, 0) << output;
  expect_complete(run.figures(), output);
}

TEST(Bench, DriverTimesEveryTurnThroughTheBaseline) {
  bench_run run;
  std::string output;
  auto rc = run.drive(small_load, run.python(), &output);
  ASSERT_EQ(rc, 0) << output;
  expect_complete(run.figures(), output);
}

TEST(Bench, AServerThatCannotAnswerIsReportedAsErrors) {
  bench_run run;
  std::string output;
  // parley's model is on a port where nothing listens: the caller hears the error prompt, which
  // is no answer to the turn.
  auto dead = "http://127.0.0.1:" + std::to_string(free_port()) + "/v1";
  auto rc =
      run.drive({"--calls=3", "--turns=1", "--think-ms=200", "--ramp-ms=100"}, run.parley(dead), &output);
  EXPECT_EQ(rc, 1) << output;
  auto f = run.figures();
  ASSERT_TRUE(f.is_object()) << output;
  EXPECT_EQ(f["turns"], 3) << output;
  EXPECT_EQ(f["answered"], 0) << output;
  EXPECT_EQ(f["errors"], 3) << output;
}
