#include "detectors/modsecurity/modsecurity_stage.h"

#include <modsecurity/collection/collection.h>
#include <modsecurity/collection/collections.h>
#include <modsecurity/intervention.h>
#include <modsecurity/modsecurity.h>
#include <modsecurity/rule_message.h>
#include <modsecurity/rule_with_actions.h>
#include <modsecurity/transaction.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <optional>

#include "detectors/modsecurity/json_inspection_view.h"
#include "proxy/api/exchange.h"
#include "proxy/config_snapshot.h"
#include "proxy/worker_context.h"

namespace rampart::modsec {
namespace {


constexpr std::size_t kMaxRecordedRules = 64;
constexpr std::size_t kMaxText = 512;

std::string truncated(std::string_view s, std::size_t max = kMaxText) {
  return std::string(s.substr(0, max));
}

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// Owns one modsecurity::ModSecurityIntervention for one msc_intervention() call and frees its malloc'd
// strings (ModSecurity #1729, ModSecurity-nginx #378/#379): copy url/log out before it dies.
class InterventionGuard {
 public:
  InterventionGuard() {
    it_.status = 200;
    it_.pause = 0;
    it_.url = nullptr;
    it_.log = nullptr;
    it_.disruptive = 0;
  }
  ~InterventionGuard() { modsecurity::intervention::free(&it_); }
  InterventionGuard(const InterventionGuard&) = delete;
  InterventionGuard& operator=(const InterventionGuard&) = delete;
  modsecurity::ModSecurityIntervention* get() { return &it_; }

 private:
  modsecurity::ModSecurityIntervention it_;
};

struct TransactionDeleter {
  void operator()(modsecurity::Transaction* tx) const { delete tx; }  // msc_transaction_cleanup
};

std::string_view httpVersion(HttpProtocol p) {
  switch (p) {
    case HttpProtocol::Http10: return "1.0";
    case HttpProtocol::Http11: return "1.1";
    case HttpProtocol::Http2: return "2.0";
  }
  return "1.1";
}

std::string lowerMediaType(std::string_view content_type) {
  content_type = content_type.substr(0, content_type.find(';'));
  while (!content_type.empty() && content_type.back() == ' ') content_type.remove_suffix(1);
  std::string out(content_type);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

// Everything one request's inspection needs and produces. Shared by the stage (worker), the pool
// job and the posted completion, so whichever ends last frees it; the transaction is declared
// last so it is destroyed first (its log callback points here) and before its rule set.
struct InspectionState final : RuleMessageSink {
  std::shared_ptr<const CompiledRules> rules;
  WafMode mode = WafMode::Detect;
  std::uint16_t block_status = 403;

  // --- request inputs, copied on the worker before the job starts ---
  std::string request_id;
  std::string client_ip;
  int client_port = 0;
  std::string server_ip;
  int server_port = 0;
  std::string uri, method;
  std::string_view version;
  std::vector<HeaderField> headers;
  std::string body;

  // --- results; written by the one thread that runs the transaction at a time ---
  std::vector<WafRuleMatch> matches;
  std::size_t published = 0;
  std::optional<WafIntervention> intervention;  // the disruptive one, not yet acted on
  std::string engine_error;
  int current_phase = 0;  // the SecLang phase being run (rule messages carry it)

  // --- hand-off between the worker and the pool ---
  std::mutex mutex;
  ModSecurityStage* owner = nullptr;  // null once the stage is gone (exchange destroyed)
  bool job_running = false;
  bool log_requested = false;
  bool logged = false;

  std::unique_ptr<modsecurity::Transaction, TransactionDeleter> tx;

  void onRuleMessage(const modsecurity::RuleMessage& m) noexcept override {
    if (matches.size() >= kMaxRecordedRules) return;
    try {
      WafRuleMatch match;
      match.id = m.m_ruleId;
      match.msg = truncated(m.m_message);
      match.data = truncated(m.m_data);
      match.matched_var = truncated(m.m_match);
      match.severity = (m.m_rule != nullptr && m.m_rule->hasSeverity()) ? m.m_severity : -1;
      match.phase = current_phase;
      constexpr std::string_view kPl = "paranoia-level/";
      for (const auto& tag : m.m_tags) {
        if (tag.size() == kPl.size() + 1 && tag.compare(0, kPl.size(), kPl) == 0)
          match.paranoia_level = tag.back() - '0';
      }
      // m_tags is not always filled (3.0.9 fills it only for some log paths): ask the rule.
      for (int pl = 1; match.paranoia_level == 0 && pl <= 4 && m.m_rule != nullptr && tx; ++pl) {
        if (m.m_rule->containsTag(std::string(kPl) + std::to_string(pl), tx.get()))
          match.paranoia_level = pl;
      }
      matches.push_back(std::move(match));
    } catch (...) {
      // A record entry is not worth failing the request for.
    }
  }

  // Polls the intervention after a step (it fires once). True when it is disruptive.
  bool checkIntervention() {
    InterventionGuard guard;
    if (!tx->intervention(guard.get())) return false;
    modsecurity::ModSecurityIntervention* it = guard.get();
    if (it->disruptive == 0) return false;
    WafIntervention out;
    out.status = it->status;
    out.disruptive = true;
    if (it->url != nullptr) out.url = truncated(it->url, 2048);  // copied before free
    if (it->log != nullptr) out.log = truncated(it->log, 1024);
    intervention = std::move(out);
    return true;
  }

  int score(std::string_view prefix) const {
    int total = 0;
    auto* collection = tx->m_collections.m_tx_collection;
    for (int pl = 1; pl <= 4; ++pl) {
      auto value = collection->resolveFirst(std::string(prefix) + std::to_string(pl));
      if (value) total += std::atoi(value->c_str());
    }
    return total;
  }

  // Steps 5-12 of the notes; runs on a pool thread (or inline in tests).
  void runRequestPhases() noexcept {
    try {
      current_phase = 1;
      tx.reset(new modsecurity::Transaction(&engine(), rules->rules(), request_id.data(), this));
      tx->processConnection(client_ip.c_str(), client_port, server_ip.c_str(), server_port);
      if (checkIntervention()) return;
      const std::string v(version);
      tx->processURI(uri.c_str(), method.c_str(), v.c_str());
      if (checkIntervention()) return;
      for (const auto& h : headers)
        tx->addRequestHeader(bytes(h.name), h.name.size(), bytes(h.value), h.value.size());
      tx->processRequestHeaders();
      if (checkIntervention()) return;
      current_phase = 2;
      if (!body.empty()) {
        tx->appendRequestBody(bytes(body), body.size());
        std::string().swap(body);
        if (checkIntervention()) return;
      }
      tx->processRequestBody();  // always, also without a body
      checkIntervention();
    } catch (const std::exception& e) {
      engine_error = std::string("libmodsecurity: ") + e.what();
    } catch (...) {
      engine_error = "libmodsecurity: unknown exception";
    }
  }

  void processLogging(int status) noexcept {
    if (logged || !tx) return;
    logged = true;
    current_phase = 5;
    try {
      if (status > 0) tx->updateStatusCode(status);
      tx->processLogging();
    } catch (...) {
    }
  }
};

namespace {

// Runs on a pool thread: the request phases, then either hands the result to the worker or, when
// the exchange is gone or already logged, finishes the transaction here.
void runJob(const std::shared_ptr<InspectionState>& state, WorkerContext* worker) {
  state->runRequestPhases();
  bool log_here = false;
  {
    std::lock_guard<std::mutex> lock(state->mutex);
    state->job_running = false;
    if (state->owner == nullptr || state->log_requested) {
      log_here = true;
    } else {
      // Under the lock: the owner (so its worker) cannot go away while we post.
      worker->postFromAnyThread([state] {
        if (state->owner != nullptr) state->owner->onInspectionDone();
      });
    }
  }
  if (log_here) state->processLogging(0);
}

}  // namespace

ModSecurityStage::ModSecurityStage(std::shared_ptr<const StageConfig> config)
    : config_(std::move(config)) {}

ModSecurityStage::~ModSecurityStage() {
  if (state_) {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->owner = nullptr;
  }
}

BodyMode ModSecurityStage::requestBodyMode(const Exchange& ex) const noexcept {
  const RouteConfig* route = ex.route();
  if (route == nullptr) return BodyMode::Stream;
  const auto index = static_cast<std::size_t>(route - ex.config().config.routes.data());
  const bool inspected = index < config_->route_rules.size() && config_->route_rules[index];
  return inspected ? BodyMode::Buffer : BodyMode::Stream;
}

Verdict ModSecurityStage::onRequestHeaders(Exchange& ex) noexcept {
  const RouteConfig* route = ex.route();
  if (route == nullptr) return Verdict::next();
  const auto index = static_cast<std::size_t>(route - ex.config().config.routes.data());
  if (index >= config_->route_rules.size() || !config_->route_rules[index]) return Verdict::next();
  try {
    auto state = std::make_shared<InspectionState>();
    state->rules = config_->route_rules[index];
    state->mode = route->waf.mode;
    state->block_status = static_cast<std::uint16_t>(route->waf.block_status);
    state->owner = this;
    state_ = std::move(state);
  } catch (...) {
    return route->waf.mode == WafMode::Block ? Verdict::respond(500, "waf_engine_error")
                                             : Verdict::next();
  }
  inspect_response_body_ = route->waf.inspect_response_body;
  ex.record().waf_mode = route->waf.mode == WafMode::Block ? "block" : "detect";
  return Verdict::next();
}

Verdict ModSecurityStage::onRequestBody(Exchange& ex, std::span<const std::byte> chunk,
                                        bool end) noexcept {
  if (!state_ || done_ || !end) return Verdict::next();
  InspectionState& s = *state_;
  try {
    const RequestHead& req = ex.request();
    const ConnectionInfo& conn = ex.connection();
    s.request_id = std::string(ex.requestId());
    s.client_ip = conn.client_ip;
    s.client_port = conn.client_port;
    for (const auto& listener : ex.config().config.listeners) {
      if (listener.name == conn.listener) {
        s.server_ip = listener.host;
        s.server_port = listener.port;
      }
    }
    s.uri = req.target;
    s.method = req.method;
    s.version = httpVersion(req.protocol);
    s.headers.reserve(req.headers.size() + 1);
    if (req.protocol == HttpProtocol::Http2 && req.headers.find("host") == nullptr)
      s.headers.push_back({"host", req.authority});  // Host from :authority
    for (const auto& h : req.headers) s.headers.push_back(h);  // duplicates and TE included
    s.body.assign(reinterpret_cast<const char*>(chunk.data()), chunk.size());
    // Syntax CRS misreads as an attack (GraphQL documents, Markdown code fences, allowlisted
    // HTML) is inspected as its data (json_inspection_view.h). The upstream still gets the body
    // as it came.
    if (const auto* type = req.headers.find("content-type");
        type != nullptr && lowerMediaType(*type) == "application/json") {
      const LanguageCodeMembers language_code = ex.config().config.waf.language_code_view
                                                    ? LanguageCodeMembers::Allowed
                                                    : LanguageCodeMembers::Refused;
      if (auto view = jsonInspectionView(s.body, language_code)) {
        s.body = std::move(view->body);
        auto& stats = ex.worker().stats();
        if (view->graphql) {
          addBodyView(ex.record(), "graphql");
          stats.inc(Counter::waf_graphql_views_total);
        }
        if (view->code_fence) {
          addBodyView(ex.record(), "code_fence");
          stats.inc(Counter::waf_code_fence_views_total);
        }
        if (view->html) {
          addBodyView(ex.record(), "html");
          stats.inc(Counter::waf_html_views_total);
        }
        if (view->language_code) {
          addBodyView(ex.record(), "language_code");
          stats.inc(Counter::waf_language_code_views_total);
        }
      }
    }
  } catch (...) {
    done_ = true;
    ex.record().waf_error = "out of memory preparing the inspection";
    return s.mode == WafMode::Block ? Verdict::respond(500, "waf_engine_error") : Verdict::next();
  }

  if (config_->pool == nullptr) {
    s.runRequestPhases();
    return requestVerdict(ex);
  }
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    s.job_running = true;
  }
  WorkerContext* worker = &ex.worker();
  std::shared_ptr<InspectionState> state = state_;
  bool queued = false;
  try {
    // The lane by what libmodsecurity will parse: its cost grows with the arguments and bytes.
    std::size_t inspected_bytes = s.uri.size() + s.body.size();
    for (const auto& h : s.headers) inspected_bytes += h.name.size() + h.value.size();
    const InspectionLane lane = inspected_bytes <= config_->light_max_bytes
                                    ? InspectionLane::Light
                                    : InspectionLane::Heavy;
    queued = config_->pool->trySubmit(lane, [state, worker] { runJob(state, worker); });
  } catch (...) {
    queued = false;
  }
  if (!queued) {
    {
      std::lock_guard<std::mutex> lock(s.mutex);
      s.job_running = false;
    }
    done_ = true;
    state_.reset();  // no transaction was created: nothing to log
    ex.record().waf_error = "inspection queue full: request not inspected";
    return s.mode == WafMode::Block ? Verdict::respond(503, "waf_overloaded") : Verdict::next();
  }
  pending_exchange_ = &ex;
  return Verdict::pending();
}

void ModSecurityStage::onInspectionDone() noexcept {
  Exchange* ex = pending_exchange_;
  pending_exchange_ = nullptr;
  if (ex == nullptr) return;
  const Verdict v = requestVerdict(*ex);
  ex->resume(v);
}

void ModSecurityStage::publish(Exchange& ex) noexcept {
  InspectionState& s = *state_;
  DecisionRecord& record = ex.record();
  try {
    for (; s.published < s.matches.size(); ++s.published)
      record.waf_rules.push_back(std::move(s.matches[s.published]));
    if (s.tx) {
      record.inbound_anomaly_score = s.score("anomaly_score_pl");
      if (ex.response() != nullptr) record.outbound_anomaly_score = s.score("outbound_anomaly_score_pl");
    }
    if (s.intervention) {
      record.has_waf_intervention = true;
      record.waf_intervention = *s.intervention;
    }
    if (!s.engine_error.empty()) record.waf_error = s.engine_error;
  } catch (...) {
  }
}

namespace {

bool safeLocation(std::string_view url) {
  if (url.empty() || url.size() > 2048) return false;
  return std::none_of(url.begin(), url.end(),
                      [](unsigned char c) { return c <= 0x20 || c == 0x7F; });
}

}  // namespace

std::optional<Verdict> ModSecurityStage::settledVerdict(Exchange& ex) noexcept {
  // Shared by both directions: publish what was found, then settle engine errors and
  // "nothing to enforce"; nullopt means a blocking intervention is left to act on.
  InspectionState& s = *state_;
  publish(ex);
  if (!s.engine_error.empty()) {
    done_ = true;
    return s.mode == WafMode::Block ? Verdict::respond(500, "waf_engine_error") : Verdict::next();
  }
  if (!s.intervention || s.mode != WafMode::Block) return Verdict::next();
  done_ = true;
  return std::nullopt;
}

Verdict ModSecurityStage::requestVerdict(Exchange& ex) noexcept {
  if (auto settled = settledVerdict(ex)) return *settled;
  InspectionState& s = *state_;
  const WafIntervention& it = *s.intervention;
  if (!it.url.empty() && safeLocation(it.url)) {
    try {
      ex.record().redirect_location = it.url;
    } catch (...) {
      return Verdict::respond(s.block_status, "waf_block");
    }
    const bool redirect_status = it.status >= 300 && it.status < 400;
    return Verdict::respond(static_cast<std::uint16_t>(redirect_status ? it.status : 302),
                            "waf_redirect");
  }
  // A deny without its own status is 403 in libmodsecurity; the route's block_status replaces it.
  const bool own_status = it.status >= 400 && it.status <= 599 && it.status != 403;
  return Verdict::respond(own_status ? static_cast<std::uint16_t>(it.status) : s.block_status,
                          "waf_block");
}

Verdict ModSecurityStage::onResponseHeaders(Exchange& ex) noexcept {
  if (!state_ || done_ || !state_->tx || pending_exchange_ != nullptr) return Verdict::next();
  InspectionState& s = *state_;
  const ResponseHead* resp = ex.response();
  if (resp == nullptr) return Verdict::next();
  try {
    std::string content_type;
    s.current_phase = 3;
    for (const auto& h : resp->headers) {
      s.tx->addResponseHeader(bytes(h.name), h.name.size(), bytes(h.value), h.value.size());
      if (h.name == "content-type" && content_type.empty()) content_type = lowerMediaType(h.value);
    }
    if (inspect_response_body_) {
      const auto& types = config_->response_body_mime_types;
      inspect_response_body_ = std::find(types.begin(), types.end(), content_type) != types.end();
    }
    s.tx->processResponseHeaders(resp->status, ex.request().protocol == HttpProtocol::Http2
                                                    ? "HTTP 2.0"
                                                    : "HTTP 1.1");
    s.checkIntervention();
  } catch (const std::exception& e) {
    s.engine_error = std::string("libmodsecurity: ") + e.what();
  } catch (...) {
    s.engine_error = "libmodsecurity: unknown exception";
  }
  return responseVerdict(ex);
}

Verdict ModSecurityStage::onResponseBody(Exchange& ex, std::span<const std::byte> chunk,
                                         bool end) noexcept {
  if (!state_ || done_ || !state_->tx || !inspect_response_body_) return Verdict::next();
  InspectionState& s = *state_;
  try {
    s.current_phase = 4;
    if (!chunk.empty()) {
      s.tx->appendResponseBody(reinterpret_cast<const unsigned char*>(chunk.data()), chunk.size());
      if (s.checkIntervention()) return responseVerdict(ex);
    }
    if (!end) return Verdict::next();
    s.tx->processResponseBody();
    s.checkIntervention();
  } catch (const std::exception& e) {
    s.engine_error = std::string("libmodsecurity: ") + e.what();
  } catch (...) {
    s.engine_error = "libmodsecurity: unknown exception";
  }
  return responseVerdict(ex);
}

Verdict ModSecurityStage::responseVerdict(Exchange& ex) noexcept {
  if (auto settled = settledVerdict(ex)) return *settled;
  InspectionState& s = *state_;
  // Response phases: no redirect (the response is the upstream's); block with the status.
  const int status = s.intervention->status;
  const bool own_status = status >= 400 && status <= 599 && status != 403;
  return Verdict::respond(own_status ? static_cast<std::uint16_t>(status) : s.block_status,
                          "waf_block");
}

void ModSecurityStage::onLog(const Exchange& ex) noexcept {
  if (!state_) return;
  InspectionState& s = *state_;
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    if (s.job_running) {
      s.log_requested = true;  // the pool job logs when it ends
      return;
    }
  }
  s.processLogging(ex.record().status);
}

Result<std::unique_ptr<ModSecurityStageFactory>> makeModSecurityStageFactory(
    const ConfigSnapshot& snapshot, bool use_pool) {
  const Config& config = snapshot.config;
  const bool any = std::any_of(config.routes.begin(), config.routes.end(),
                               [](const RouteConfig& r) { return r.waf.mode != WafMode::Off; });
  if (!any) return std::unique_ptr<ModSecurityStageFactory>();
  auto rules = compileRouteRules(config);
  if (!rules) return rules.error();
  auto stage_config = std::make_shared<StageConfig>();
  stage_config->route_rules = std::move(rules.value());
  for (const auto& type : config.waf.response_body_mime_types)
    stage_config->response_body_mime_types.push_back(lowerMediaType(type));
  if (use_pool) {
    stage_config->pool =
        &InspectionPool::process(config.waf.inspection_threads, config.waf.inspection_light_threads,
                                 config.waf.inspection_queue);
    stage_config->light_max_bytes = config.waf.inspection_light_max_bytes;
  }
  return std::make_unique<ModSecurityStageFactory>(std::move(stage_config));
}

}  // namespace rampart::modsec
