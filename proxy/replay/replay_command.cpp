#include "proxy/replay/replay_command.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "proxy/log/decision_record_json.h"
#include "proxy/replay/decision_log_reader.h"
#include "proxy/replay/ftw_loader.h"
#include "proxy/replay/gates.h"
#include "proxy/replay/ignore_list.h"
#include "proxy/replay/judge.h"
#include "proxy/replay/payload_source.h"
#include "proxy/replay/rampart_process.h"
#include "proxy/replay/raw_http_client.h"
#include "proxy/replay/report.h"
#include "proxy/replay/request_builder.h"

namespace rampart::replay {
namespace {

constexpr const char* kUsage =
    "usage: rampart replay [--target http://HOST:PORT | --config FILE] [--decision-log FILE]\n"
    "                      [--ignore FILE] [--gates FILE [--suite NAME]] [--report FILE]\n"
    "                      [--jobs N] [--place query|form|json|header|path|cookie]...\n"
    "                      [--expect block|pass] [--block-status N] [--host NAME]\n"
    "                      [--param NAME] [--header-name NAME] [--timeout-ms N]\n"
    "                      [--record-wait-ms N] [--verbose] INPUT...\n"
    "  INPUT: CRS/go-ftw YAML tests (.yaml, .yml) or payload lists (.txt, .fuzz, .lst),\n"
    "         files or directories (searched recursively). See docs/replay.md.\n";

struct Options {
  std::string target;
  std::string config;
  std::string decision_log;
  std::string ignore_file;
  std::string gates_file;
  std::string suite;
  std::string report;
  unsigned jobs = 4;
  int timeout_ms = 5000;
  int record_wait_ms = 2000;
  bool verbose = false;
  PayloadOptions payload;
  bool place_given = false;
  std::vector<std::string> inputs;
};

bool parseInt(const char* s, int& out, int lo, int hi) {
  const std::string_view v(s);
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  return ec == std::errc() && end == v.data() + v.size() && out >= lo && out <= hi;
}

// Returns an error message, or "" when the arguments are fine.
std::string parseArgs(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char*& out) -> bool {
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    const char* v = nullptr;
    if (a == "--verbose" || a == "-v") {
      o.verbose = true;
    } else if (a.rfind("--", 0) == 0 && a.size() > 2) {
      if (!value(v)) return a + " needs a value";
      int n = 0;
      if (a == "--target") {
        o.target = v;
      } else if (a == "--config") {
        o.config = v;
      } else if (a == "--decision-log") {
        o.decision_log = v;
      } else if (a == "--ignore") {
        o.ignore_file = v;
      } else if (a == "--gates") {
        o.gates_file = v;
      } else if (a == "--suite") {
        o.suite = v;
      } else if (a == "--report") {
        o.report = v;
      } else if (a == "--jobs") {
        if (!parseInt(v, n, 1, 256)) return "--jobs must be 1..256";
        o.jobs = static_cast<unsigned>(n);
      } else if (a == "--timeout-ms") {
        if (!parseInt(v, n, 1, 600000)) return "--timeout-ms must be 1..600000";
        o.timeout_ms = n;
      } else if (a == "--record-wait-ms") {
        if (!parseInt(v, n, 0, 600000)) return "--record-wait-ms must be 0..600000";
        o.record_wait_ms = n;
      } else if (a == "--place") {
        if (!o.place_given) o.payload.places.clear();
        o.place_given = true;
        std::string_view list(v);
        while (!list.empty()) {
          const std::size_t comma = list.find(',');
          const std::string_view name = list.substr(0, comma);
          list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
          auto place = parsePlace(name);
          if (!place) return "unknown --place '" + std::string(name) + "'";
          if (std::find(o.payload.places.begin(), o.payload.places.end(), *place) ==
              o.payload.places.end()) {
            o.payload.places.push_back(*place);
          }
        }
      } else if (a == "--expect") {
        const std::string e = v;
        if (e == "block") {
          o.payload.expect = PayloadExpect::Block;
        } else if (e == "pass") {
          o.payload.expect = PayloadExpect::Pass;
        } else {
          return "--expect must be block or pass";
        }
      } else if (a == "--block-status") {
        if (!parseInt(v, n, 100, 599)) return "--block-status must be an HTTP status";
        o.payload.block_status = n;
      } else if (a == "--host") {
        o.payload.host = v;
      } else if (a == "--param") {
        o.payload.param = v;
      } else if (a == "--header-name") {
        o.payload.header_name = v;
      } else {
        return "unknown option " + a;
      }
    } else {
      o.inputs.push_back(a);
    }
  }
  if (o.inputs.empty()) return "no INPUT given";
  if (o.target.empty() == o.config.empty()) return "give exactly one of --target and --config";
  return "";
}

// "http://127.0.0.1:8080" -> host, port
bool parseTarget(const std::string& url, std::string& host, std::uint16_t& port) {
  std::string_view s(url);
  if (s.rfind("https://", 0) == 0) return false;
  if (s.rfind("http://", 0) == 0) s.remove_prefix(7);
  if (!s.empty() && s.back() == '/') s.remove_suffix(1);
  std::size_t colon = s.rfind(':');
  if (!s.empty() && s.front() == '[') {  // [::1]:8080
    const std::size_t close = s.find(']');
    if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':') return false;
    host = std::string(s.substr(1, close - 1));
    colon = close + 1;
  } else {
    if (colon == std::string_view::npos) return false;
    host = std::string(s.substr(0, colon));
  }
  int p = 0;
  const std::string_view ps = s.substr(colon + 1);
  const auto [end, ec] = std::from_chars(ps.data(), ps.data() + ps.size(), p);
  if (ec != std::errc() || end != ps.data() + ps.size() || p <= 0 || p > 65535) return false;
  port = static_cast<std::uint16_t>(p);
  return !host.empty();
}

enum class InputKind { Ftw, Payload, Other };

InputKind kindOf(const std::filesystem::path& p, bool explicit_file) {
  const std::string ext = p.extension().string();
  if (ext == ".yaml" || ext == ".yml") return InputKind::Ftw;
  if (ext == ".txt" || ext == ".fuzz" || ext == ".lst") return InputKind::Payload;
  return explicit_file ? InputKind::Payload : InputKind::Other;
}

std::string newMarker() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const std::uint64_t a = rng();
  const std::uint64_t b = rng();
  unsigned char bytes[16];
  for (int i = 0; i < 8; ++i) {
    bytes[i] = static_cast<unsigned char>(a >> (8 * i));
    bytes[8 + i] = static_cast<unsigned char>(b >> (8 * i));
  }
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0F) | 0x40);  // version 4
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3F) | 0x80);  // variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 0xF]);
  }
  return out;
}

std::string nowUtc() {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  std::string out;
  appendRfc3339Utc(out, us);
  return out;
}

struct Runner {
  const RawHttpClient& client;
  DecisionLogReader* log;  // nullptr: no decision log
  std::chrono::milliseconds record_wait;
  const IgnoreList& ignore;

  TestResult run(const TestCase& tc) const {
    TestResult r;
    r.name = tc.name;
    r.group = tc.group;
    r.file = tc.file;
    r.kind = tc.kind;
    if (tc.kind == SuiteKind::Payload) r.payload = tc.description;
    const auto started = std::chrono::steady_clock::now();
    for (const TestStage& stage : tc.stages) {
      StageResult sr;
      sr.marker = newMarker();
      const BuiltRequest req = buildRequest(stage.input, sr.marker);
      sr.marker_sent = req.marker_sent;
      const RawResponse resp = client.exchange(req.bytes, req.head_request);
      StageOutcome o;
      o.got_response = resp.ok;
      o.error = resp.error;
      o.status = resp.status;
      o.request_id = resp.header("x-request-id");
      o.body = resp.body;
      const bool need = needsRecord(stage.output);
      const bool findable = log != nullptr && (!o.request_id.empty() || sr.marker_sent);
      const auto lookUpRecord = [&] {
        o.record_looked_up = true;
        o.record = log->waitFor(o.request_id, sr.marker_sent ? sr.marker : "", record_wait);
      };
      if (need && findable) lookUpRecord();
      StageVerdict v = judgeStage(stage.output, o);
      // Not needed for the verdict, but a failure is read with its record: the rules that
      // blocked a benign request are what a rule writer tunes next.
      if (!o.record_looked_up && v.verdict == Verdict::Failed && findable) lookUpRecord();
      if (need && log == nullptr && v.verdict == Verdict::Error && o.got_response) {
        v.reason = "log expectations need the decision log (--decision-log)";
      }
      sr.got_response = o.got_response;
      sr.status = o.status;
      sr.error = o.error;
      sr.request_id = o.request_id;
      sr.record_found = o.record.has_value();
      if (o.record) {
        sr.rule_ids = o.record->rule_ids;
        sr.signature_ids = o.record->signature_ids;
      }
      sr.reason = v.reason;
      r.blocked = r.blocked || v.blocked;
      r.expect_pass = stage.output.payload == PayloadExpect::Pass;
      if (v.verdict == Verdict::Error && r.outcome != Outcome::Error) {
        r.outcome = Outcome::Error;
        r.reason = v.reason;
      } else if (v.verdict == Verdict::Failed && r.outcome == Outcome::Passed) {
        r.outcome = Outcome::Failed;
        r.reason = v.reason;
      }
      r.stages.push_back(std::move(sr));
    }
    r.duration_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                              started)
                        .count();
    if (const std::string* why = ignore.find(tc.name)) {
      r.ignore_reason = *why;
      if (r.outcome == Outcome::Passed) {
        r.reason = "passed although listed in the ignore file";
      } else {
        r.outcome = Outcome::Ignored;
      }
    }
    return r;
  }
};

}  // namespace

int runReplayCommand(int argc, char** argv) {
  Options o;
  if (const std::string err = parseArgs(argc, argv, o); !err.empty()) {
    std::fprintf(stderr, "rampart replay: %s\n%s", err.c_str(), kUsage);
    return 2;
  }

  // Where to send, where to read the records.
  std::string host;
  std::uint16_t port = 0;
  std::optional<ServeTarget> serve;
  if (!o.config.empty()) {
    auto t = targetFromConfig(o.config);
    if (!t) {
      std::fprintf(stderr, "rampart replay: %s\n", t.error().detail.c_str());
      return 2;
    }
    serve = *t;
    host = serve->host;
    port = serve->port;
    if (o.decision_log.empty()) {
      if (serve->decision_log == "stdout" || serve->decision_log == "off") {
        std::fprintf(stderr, "rampart replay: warning: decision_log.path is '%s'; log "
                     "expectations cannot be judged (give --decision-log or log to a file)\n",
                     serve->decision_log.c_str());
      } else {
        o.decision_log = serve->decision_log;
      }
    }
  } else if (!parseTarget(o.target, host, port)) {
    std::fprintf(stderr, "rampart replay: --target must look like http://127.0.0.1:8080\n");
    return 2;
  }
  const std::string target_text = "http://" + host + ":" + std::to_string(port);

  IgnoreList ignore;
  if (!o.ignore_file.empty()) {
    auto list = loadIgnoreFile(o.ignore_file);
    if (!list) {
      std::fprintf(stderr, "rampart replay: %s\n", list.error().detail.c_str());
      return 2;
    }
    ignore = std::move(list.value());
  }
  std::optional<GateFile> gates;
  if (!o.gates_file.empty()) {
    auto g = loadGatesFile(o.gates_file);
    if (!g) {
      std::fprintf(stderr, "rampart replay: %s\n", g.error().detail.c_str());
      return 2;
    }
    gates = std::move(g.value());
  }
  if (o.suite.empty()) {
    std::filesystem::path first(o.inputs.front());
    if (!first.has_filename()) first = first.parent_path();
    o.suite = first.filename().string();
  }

  // Load every input.
  LoadStats load;
  std::vector<TestCase> tests;
  FtwLoadResult ftw;
  for (const auto& input : o.inputs) {
    std::error_code ec;
    std::vector<std::filesystem::path> files;
    if (std::filesystem::is_directory(input, ec)) {
      for (auto it = std::filesystem::recursive_directory_iterator(input, ec);
           !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec) && kindOf(it->path(), false) != InputKind::Other) {
          files.push_back(it->path());
        }
      }
      std::sort(files.begin(), files.end());
    } else if (std::filesystem::is_regular_file(input, ec)) {
      files.emplace_back(input);
    } else {
      std::fprintf(stderr, "rampart replay: %s: no such file or directory\n", input.c_str());
      return 2;
    }
    for (const auto& f : files) {
      ++load.files;
      if (kindOf(f, true) == InputKind::Ftw) {
        loadFtwFile(f.string(), ftw);
      } else {
        loadPayloadFile(f.string(), o.payload, tests, load.errors);
      }
    }
  }
  for (auto& t : ftw.tests) tests.push_back(std::move(t));
  for (auto& e : ftw.errors) load.errors.push_back(std::move(e));
  load.disabled_files = ftw.disabled_files;
  load.disabled_tests = ftw.disabled_tests;
  load.tests_loaded = tests.size();
  std::stable_sort(tests.begin(), tests.end(), [](const TestCase& a, const TestCase& b) {
    return std::tie(a.kind, a.group) < std::tie(b.kind, b.group);
  });
  if (tests.empty() && load.errors.empty()) {
    std::fprintf(stderr, "rampart replay: no tests found in the inputs\n");
    return 2;
  }
  std::size_t unknown_ignores = 0;
  for (const auto& entry : ignore.reasons) {
    // Not a structured binding: clang 14 (the fuzz preset) cannot capture one in a lambda.
    const std::string& name = entry.first;
    const bool known = std::any_of(tests.begin(), tests.end(),
                                   [&name](const TestCase& t) { return t.name == name; });
    if (!known) {
      ++unknown_ignores;
      if (o.verbose) {
        std::fprintf(stderr, "rampart replay: ignore entry %s matches no loaded test\n",
                     name.c_str());
      }
    }
  }
  if (unknown_ignores > 0) {
    std::fprintf(stderr, "rampart replay: %zu ignore entries match no loaded test\n",
                 unknown_ignores);
  }

  // The reader starts at the end of the current log, before rampart writes anything new.
  std::unique_ptr<DecisionLogReader> log;
  if (!o.decision_log.empty()) log = std::make_unique<DecisionLogReader>(o.decision_log, true);

  RampartProcess process;
  if (serve) {
    char self[4096];
    const ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0) {
      std::fprintf(stderr, "rampart replay: cannot find the rampart binary\n");
      return 2;
    }
    self[n] = '\0';
    const Status started = process.start(self, o.config, *serve, std::chrono::milliseconds(60000));
    if (!started) {
      std::fprintf(stderr, "rampart replay: %s\n", started.error().detail.c_str());
      return 2;
    }
  }

  // Send, N at a time.
  const std::string started_utc = nowUtc();
  const auto t0 = std::chrono::steady_clock::now();
  const RawHttpClient client(host, port, std::chrono::milliseconds(o.timeout_ms));
  const Runner runner{client, log.get(), std::chrono::milliseconds(o.record_wait_ms), ignore};
  std::vector<TestResult> results(tests.size());
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    while (true) {
      const std::size_t i = next.fetch_add(1);
      if (i >= tests.size()) return;
      results[i] = runner.run(tests[i]);
    }
  };
  {
    std::vector<std::thread> threads;
    const unsigned n = std::min<unsigned>(o.jobs, static_cast<unsigned>(tests.size()));
    for (unsigned k = 1; k < n; ++k) threads.emplace_back(work);
    work();
    for (auto& t : threads) t.join();
  }
  const double duration_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (serve) {
    const int rc = process.stop();
    if (rc != 0) {
      std::fprintf(stderr, "rampart replay: warning: rampart exited with %d:\n%s\n", rc,
                   process.outputTail().c_str());
    }
  }

  // Judge the run.
  if (o.verbose) {
    for (const auto& r : results) {
      if (r.outcome == Outcome::Failed || r.outcome == Outcome::Error) {
        std::printf("%s %s: %s\n", r.outcome == Outcome::Failed ? "FAIL " : "ERROR",
                    r.name.c_str(), r.reason.c_str());
      }
    }
  }
  const RunSummary summary = summarise(results);
  printSummary(stdout, summary, load);

  int exit_status = load.errors.empty() ? 0 : 1;
  std::vector<GateResult> gate_results;
  if (gates) {
    auto evaluated = evaluateGates(*gates, o.suite, summary);
    if (!evaluated) {
      std::fprintf(stderr, "rampart replay: %s\n", evaluated.error().detail.c_str());
      exit_status = 2;
    } else {
      gate_results = std::move(evaluated.value());
      for (const auto& g : gate_results) {
        std::printf("gate %s %s: want %s%.2f, got %.2f -> %s\n", g.suite.c_str(), g.gate.c_str(),
                    g.gate.rfind("max", 0) == 0 ? "<= " : ">= ", g.want, g.got,
                    g.met ? "met" : "NOT MET");
        if (!g.met) exit_status = std::max(exit_status, 1);
      }
    }
  } else {
    for (const auto& g : summary.groups) {
      if (g.kind == SuiteKind::Ftw && g.failed + g.errors > 0) exit_status = std::max(exit_status, 1);
    }
  }
  std::printf("%s: %zu tests in %.1f s against %s; exit status %d\n", o.suite.c_str(),
              results.size(), duration_s, target_text.c_str(), exit_status);

  if (!o.report.empty()) {
    ReportMeta meta{target_text, o.suite, started_utc, duration_s, exit_status};
    std::ofstream out(o.report, std::ios::binary | std::ios::trunc);
    out << reportJson(meta, summary, load, results, gate_results);
    if (!out) {
      std::fprintf(stderr, "rampart replay: cannot write %s\n", o.report.c_str());
      return 2;
    }
  }
  std::fflush(stdout);
  return exit_status;
}

}  // namespace rampart::replay
