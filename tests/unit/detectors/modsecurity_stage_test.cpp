// ModSecurityStage and the compiled rule sets, in-process with a FakeExchange (no sockets).
// Uses the real CRS from waf.crs_path (Debian's modsecurity-crs) and rampart's rules/.
#include "detectors/modsecurity/modsecurity_stage.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>

#include "detectors/modsecurity/inspection_pool.h"
#include "detectors/modsecurity/json_inspection_view.h"
#include "detectors/modsecurity/rules_set.h"
#include "tests/unit/fakes/fake_exchange.h"

namespace rampart::modsec {
namespace {

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

const std::filesystem::path kRepo =
    std::filesystem::path(__FILE__).parent_path().parent_path().parent_path().parent_path();

Config wafConfig(WafMode mode) {
  Config config = test::makeTestConfig();
  config.waf.crs_setup = (kRepo / "rules/crs-setup.conf").string();
  config.waf.exclusions_before = (kRepo / "rules/exclusions-before-crs.conf").string();
  config.waf.exclusions_after = (kRepo / "rules/exclusions-after-crs.conf").string();
  config.routes.front().waf.mode = mode;
  config.routes.front().max_body_bytes = 1 << 20;
  return config;
}

std::string writeTemp(const std::string& name, const std::string& text) {
  // The pid in the name: several test binaries (worktrees, presets) may run at once.
  const auto path = std::filesystem::temp_directory_path() /
                    ("rampart-" + std::to_string(getpid()) + "-" + name);
  std::ofstream(path) << text;
  return path.string();
}

// A stage on the fake exchange's route, driven like the pipeline does (inline inspections).
struct Harness {
  explicit Harness(WafMode mode, Config config = {}, bool inline_inspection = true) {
    if (config.routes.empty()) config = wafConfig(mode);
    snapshot = test::makeTestSnapshot(std::move(config));
    ex = std::make_unique<test::FakeExchange>(snapshot);
    auto built = makeModSecurityStageFactory(*snapshot, !inline_inspection);
    if (!built) FAIL(built.error().detail);
    factory = std::move(built.value());
    REQUIRE(factory != nullptr);
    stage = factory->create(ex->worker());
  }
  Verdict run(RequestHead req, std::string body = {}) {
    ex->setRequest(std::move(req));
    ex->matchRoute();
    Verdict v = stage->onRequestHeaders(*ex);
    if (!v.isContinue()) return v;
    return stage->onRequestBody(
        *ex, {reinterpret_cast<const std::byte*>(body.data()), body.size()}, true);
  }
  std::vector<std::int64_t> ruleIds() const {
    std::vector<std::int64_t> ids;
    for (const auto& m : ex->record().waf_rules) ids.push_back(m.id);
    return ids;
  }
  std::shared_ptr<const ConfigSnapshot> snapshot;
  std::unique_ptr<test::FakeExchange> ex;
  std::unique_ptr<ModSecurityStageFactory> factory;
  std::unique_ptr<Stage> stage;
};

bool contains(const std::vector<std::int64_t>& ids, std::int64_t id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace
}  // namespace rampart::modsec

namespace rampart::modsec {
namespace {

TEST_CASE("generated SecLang: body access on, limits from the route, CRS variables", "[waf]") {
  const Config config = wafConfig(WafMode::Block);
  RuleSetKey key = ruleSetKeyFor(config.routes.front());
  key.paranoia_level = 3;
  auto text = generateRulesText(config.waf, key);
  REQUIRE(text);
  const std::string& t = text.value();
  CHECK_THAT(t, Contains("SecRuleEngine On\n"));
  CHECK_THAT(t, Contains("SecRequestBodyAccess On\n"));
  CHECK_THAT(t, Contains("SecRequestBodyLimit 1048576\n"));
  CHECK_THAT(t, Contains("SecRequestBodyLimitAction Reject\n"));
  CHECK_THAT(t, Contains("setvar:tx.paranoia_level=3,setvar:tx.executing_paranoia_level=3,"
                         "setvar:tx.inbound_anomaly_score_threshold=5,"
                         "setvar:tx.outbound_anomaly_score_threshold=4"));
  // Setup, exclusions-before, CRS in name order, exclusions-after.
  const auto setup = t.find("crs-setup.conf");
  const auto before = t.find("exclusions-before-crs.conf");
  const auto r901 = t.find("REQUEST-901-INITIALIZATION.conf");
  const auto r949 = t.find("REQUEST-949-BLOCKING-EVALUATION.conf");
  const auto after = t.find("exclusions-after-crs.conf");
  CHECK((setup < before && before < r901 && r901 < r949 && r949 < after &&
         after != std::string::npos));
  key.mode = WafMode::Detect;
  CHECK_THAT(generateRulesText(config.waf, key).value(), Contains("SecRuleEngine DetectionOnly\n"));
}

TEST_CASE("generated SecLang: language_code members skip the line-structure rules", "[waf]") {
  Config config = wafConfig(WafMode::Block);
  const RuleSetKey key = ruleSetKeyFor(config.routes.front());
  const std::string token(languageCodeSuffix().substr(6));
  const std::string t = generateRulesText(config.waf, key).value();
  for (const int id : kLanguageCodeExemptRules) {
    INFO(id);
    const std::string line = "SecRuleUpdateTargetById " + std::to_string(id) +
                             " \"!ARGS:/\\x1fcode-" + token + "$/\"\n";
    CHECK_THAT(t, Contains(line));
    CHECK(t.find(line) > t.find("exclusions-after-crs.conf"));  // after the rules they change
  }
  config.waf.language_code_view = false;
  CHECK(generateRulesText(config.waf, key).value().find("SecRuleUpdateTargetById") ==
        std::string::npos);
}

TEST_CASE("one rule set per distinct configuration, shared, freed with its last user", "[waf]") {
  const std::int64_t live_before = liveRuleSets();
  {
    Config config = wafConfig(WafMode::Block);
    RouteConfig second = config.routes.front();
    second.name = "second";
    second.path_prefix = "/second/";
    RouteConfig pl2 = config.routes.front();
    pl2.name = "pl2";
    pl2.path_prefix = "/pl2/";
    pl2.waf.paranoia_level = 2;
    RouteConfig off = config.routes.front();
    off.name = "off";
    off.path_prefix = "/off/";
    off.waf.mode = WafMode::Off;
    config.routes.insert(config.routes.begin(), {second, pl2, off});
    auto compiled = compileRouteRules(config);
    REQUIRE(compiled);
    const auto& rules = compiled.value();
    REQUIRE(rules.size() == 4);
    CHECK(rules[0] != nullptr);
    CHECK(rules[0] == rules[3]);  // same configuration: the same RulesSet
    CHECK(rules[1] != rules[0]);  // PL2: its own
    CHECK(rules[2] == nullptr);   // off: none
    CHECK(liveRuleSets() == live_before + 2);
  }
  CHECK(liveRuleSets() == live_before);
}

TEST_CASE("a broken rule file is refused with file, line and libmodsecurity's message", "[waf]") {
  const std::string bad = writeTemp("rampart-bad-rules.conf",
                                    "# site rules\n"
                                    "SecRule ARGS \"@rx a\" \"id:10,phase:2,pass\"\n"
                                    "SecRule ARGS \"@rx b\" \"id:11,phase:2,nosuchaction\"\n");
  Config config = wafConfig(WafMode::Block);
  config.routes.front().waf.rule_files = {bad};
  auto compiled = compileRouteRules(config);
  REQUIRE_FALSE(compiled);
  CHECK(compiled.error().reason == "config_invalid");
  CHECK_THAT(compiled.error().detail, StartsWith(bad + ":3:"));
  CHECK_THAT(compiled.error().detail, Contains("libmodsecurity: Expecting an action"));
  CHECK_THAT(compiled.error().detail, Contains("(route 'default')"));
  // The same through buildSnapshot: the config is refused.
  auto snapshot = buildSnapshot(config, 2);
  REQUIRE_FALSE(snapshot);
  CHECK_THAT(snapshot.error().detail, StartsWith(bad + ":3:"));
  std::filesystem::remove(bad);
}

TEST_CASE("block mode: a SQLi in the URI is blocked at PL1 with the rules recorded", "[waf]") {
  Harness h(WafMode::Block);
  const Verdict v = h.run(test::makeGet("/search?id=1%27%20or%201=1--"));
  CHECK(v.kind == Verdict::Kind::Respond);
  CHECK(v.status == 403);
  CHECK(v.reason == "waf_block");
  const DecisionRecord& r = h.ex->record();
  CHECK(r.waf_mode == "block");
  CHECK(contains(h.ruleIds(), 942100));
  CHECK(r.inbound_anomaly_score >= 5);
  REQUIRE(r.has_waf_intervention);
  CHECK(r.waf_intervention.status == 403);
  CHECK_THAT(r.waf_intervention.log, Contains("949110"));
  h.stage->onLog(*h.ex);
}

TEST_CASE("block mode: a clean GET passes, scores recorded", "[waf]") {
  Harness h(WafMode::Block);
  const Verdict v = h.run(test::makeGet("/products?page=2"));
  CHECK(v.isContinue());
  CHECK(h.ex->record().inbound_anomaly_score == 0);
  CHECK_FALSE(h.ex->record().has_waf_intervention);
  h.stage->onLog(*h.ex);
}

TEST_CASE("block mode: XSS in a form body is blocked in phase 2", "[waf]") {
  Harness h(WafMode::Block);
  RequestHead req = test::makeGet("/comment");
  req.method = "POST";
  req.headers.add("content-type", "application/x-www-form-urlencoded");
  const std::string body = "comment=%3Cscript%3Ealert(document.cookie)%3C%2Fscript%3E";
  req.headers.add("content-length", std::to_string(body.size()));
  const Verdict v = h.run(std::move(req), body);
  CHECK(v.kind == Verdict::Kind::Respond);
  CHECK(v.status == 403);
  CHECK(contains(h.ruleIds(), 941100));
  h.stage->onLog(*h.ex);
}

TEST_CASE("block_status replaces the deny's default 403", "[waf]") {
  Config config = wafConfig(WafMode::Block);
  config.routes.front().waf.block_status = 406;
  Harness h(WafMode::Block, config);
  CHECK(h.run(test::makeGet("/?q=1%27%20or%201=1--")).status == 406);
  h.stage->onLog(*h.ex);
}

TEST_CASE("detect mode records the same rules and never blocks", "[waf]") {
  Harness h(WafMode::Detect);
  const Verdict v = h.run(test::makeGet("/search?id=1%27%20or%201=1--"));
  CHECK(v.isContinue());
  CHECK(h.ex->record().waf_mode == "detect");
  CHECK(contains(h.ruleIds(), 942100));
  CHECK(h.ex->record().inbound_anomaly_score >= 5);
  h.stage->onLog(*h.ex);
}

TEST_CASE("a redirect intervention leaves its Location in the record", "[waf]") {
  const std::string site = writeTemp(
      "rampart-redirect.conf",
      "SecRule ARGS:go \"@streq away\" \"id:10001,phase:1,redirect:https://example.net/x\"\n");
  Config config = wafConfig(WafMode::Block);
  config.routes.front().waf.rule_files = {site};
  Harness h(WafMode::Block, config);
  const Verdict v = h.run(test::makeGet("/?go=away"));
  CHECK(v.kind == Verdict::Kind::Respond);
  CHECK(v.status == 302);
  CHECK(v.reason == "waf_redirect");
  CHECK(h.ex->record().redirect_location == "https://example.net/x");
  CHECK(h.ex->record().waf_intervention.url == "https://example.net/x");
  h.stage->onLog(*h.ex);
  std::filesystem::remove(site);
}

TEST_CASE("a route with the WAF off gets no transaction and no record fields", "[waf]") {
  Config config = wafConfig(WafMode::Block);
  RouteConfig off = config.routes.front();
  off.name = "off";
  off.path_prefix = "/off/";
  off.waf.mode = WafMode::Off;
  config.routes.insert(config.routes.begin(), off);
  Harness h(WafMode::Block, config);
  CHECK(h.run(test::makeGet("/off/?id=1%27%20or%201=1--")).isContinue());
  CHECK(h.ex->record().waf_mode == "off");
  CHECK(h.ex->record().waf_rules.empty());
  CHECK(h.ex->record().inbound_anomaly_score == -1);
  h.stage->onLog(*h.ex);
}

TEST_CASE("no factory when every route has the WAF off", "[waf]") {
  auto snapshot = test::makeTestSnapshot();
  auto factory = makeModSecurityStageFactory(*snapshot, false);
  REQUIRE(factory);
  CHECK(factory.value() == nullptr);
}

// The pool path: pending, then a resume posted back to the worker.
struct PostedQueue {
  std::mutex mutex;
  std::vector<std::function<void()>> items;
  void attach(WorkerContext& worker) {
    worker.setRemotePoster([this](std::function<void()> fn) {
      std::lock_guard<std::mutex> lock(mutex);
      items.push_back(std::move(fn));
    });
  }
  bool runAll() {
    std::vector<std::function<void()>> run;
    {
      std::lock_guard<std::mutex> lock(mutex);
      run.swap(items);
    }
    for (auto& fn : run) fn();
    return !run.empty();
  }
};

void waitForPool() {
  // The process pool runs jobs FIFO per thread; a marker per thread after ours means ours ended.
  auto& pool = InspectionPool::process(0, 0, 1024);
  std::vector<std::future<void>> done;
  for (std::size_t i = 0; i < pool.threads(); ++i) {
    auto promise = std::make_shared<std::promise<void>>();
    done.push_back(promise->get_future());
    const auto lane = i < pool.threads(InspectionLane::Light) ? InspectionLane::Light
                                                              : InspectionLane::Heavy;
    REQUIRE(pool.trySubmit(lane, [promise] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      promise->set_value();
    }));
  }
  for (auto& f : done) f.wait();
}

TEST_CASE("pool: the stage is pending, then resumes on its worker with the verdict", "[waf]") {
  Harness h(WafMode::Block, {}, /*inline_inspection=*/false);
  PostedQueue posted;
  posted.attach(h.ex->worker());
  const Verdict v = h.run(test::makeGet("/search?id=1%27%20or%201=1--"));
  CHECK(v.kind == Verdict::Kind::Pending);
  for (int i = 0; i < 6000 && h.ex->resumed().empty(); ++i) {  // up to 30 s: ASan on a loaded machine
    if (!posted.runAll()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  REQUIRE(h.ex->resumed().size() == 1);
  CHECK(h.ex->resumed().front().status == 403);
  CHECK(h.ex->resumed().front().reason == "waf_block");
  CHECK(contains(h.ruleIds(), 942100));
  h.stage->onLog(*h.ex);
}

TEST_CASE("pool: an exchange destroyed mid-inspection is never touched", "[waf]") {
  Harness h(WafMode::Block, {}, /*inline_inspection=*/false);
  PostedQueue posted;
  posted.attach(h.ex->worker());
  RequestHead req = test::makeGet("/form");
  req.method = "POST";
  req.headers.add("content-type", "application/x-www-form-urlencoded");
  std::string body;
  for (int i = 0; i < 2000; ++i) body += "field" + std::to_string(i) + "=value%20" + std::to_string(i) + "&";
  CHECK(h.run(std::move(req), body).kind == Verdict::Kind::Pending);
  // The exchange ends at once (client reset): log, then destroy the stage.
  h.stage->onLog(*h.ex);
  h.stage.reset();
  waitForPool();
  posted.runAll();  // nothing may touch the stage or the exchange
  CHECK(h.ex->resumed().empty());
}

// Submits a job that holds a heavy thread until `gate` opens; returns once it runs (so the heavy
// queue is empty again), however slow the machine is.
void occupyHeavyThread(InspectionPool& pool, std::shared_future<void> gate) {
  auto started = std::make_shared<std::promise<void>>();
  auto running = started->get_future();
  REQUIRE(pool.trySubmit(InspectionLane::Heavy, [gate, started] {
    started->set_value();
    gate.wait();
  }));
  running.wait();
}

TEST_CASE("pool: a full lane refuses the job (the stage then answers 503 waf_overloaded)", "[waf]") {
  InspectionPool tiny(1, 1, 1);
  std::promise<void> release;
  auto gate = release.get_future().share();
  occupyHeavyThread(tiny, gate);
  REQUIRE(tiny.trySubmit(InspectionLane::Heavy, [] {}));  // fills the heavy queue
  CHECK_FALSE(tiny.trySubmit(InspectionLane::Heavy, [] {}));
  release.set_value();
}

TEST_CASE("pool: light jobs run while the heavy lane is saturated", "[waf]") {
  InspectionPool pool(1, 1, 4);
  std::promise<void> release;
  auto gate = release.get_future().share();
  occupyHeavyThread(pool, gate);
  for (int i = 0; i < 4; ++i) {
    REQUIRE(pool.trySubmit(InspectionLane::Heavy, [gate] { gate.wait(); }));
  }
  CHECK_FALSE(pool.trySubmit(InspectionLane::Heavy, [] {}));
  // The light lane has its own thread and queue: its jobs finish although every heavy job waits.
  std::vector<std::future<void>> light;
  for (int i = 0; i < 3; ++i) {
    auto done = std::make_shared<std::promise<void>>();
    light.push_back(done->get_future());
    REQUIRE(pool.trySubmit(InspectionLane::Light, [done] { done->set_value(); }));
  }
  for (auto& f : light) CHECK(f.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  release.set_value();
}

TEST_CASE("pool: heavy threads run at a lower CPU priority, light threads at the process's",
          "[waf]") {
  InspectionPool pool(1, 1, 4);
  // An idle heavy thread also takes light jobs: measure the heavy thread first, then keep it
  // busy so the light job can only run on the light thread.
  std::promise<void> release;
  auto gate = release.get_future().share();
  auto niceOf = [&](InspectionLane lane) {
    std::promise<int> nice;
    auto f = nice.get_future();
    REQUIRE(pool.trySubmit(lane, [&nice] {
      nice.set_value(getpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid))));
    }));
    return f.get();
  };
  const int base = getpriority(PRIO_PROCESS, 0);
  CHECK(niceOf(InspectionLane::Heavy) == std::min(19, base + InspectionPool::kHeavyNice));
  occupyHeavyThread(pool, gate);
  CHECK(niceOf(InspectionLane::Light) == base);
  release.set_value();
}

}  // namespace
}  // namespace rampart::modsec
