#include "detectors/signatures/signature_set.h"

#include <hs.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <system_error>
#include <thread>
#include <utility>

#include "detectors/signatures/field_batch.h"
#include "detectors/signatures/signature_loader.h"

namespace rampart::signatures {
namespace {

Error compileError(std::string detail) {
  Error error;
  error.source = ErrorSource::Config;
  error.status = 0;
  error.reason = kSignaturesInvalid;
  error.detail = std::move(detail);
  return error;
}

unsigned hyperscanFlags(PatternFlags flags) {
  // SINGLEMATCH: one report per pattern per field is all the scanner needs, and it stops
  // Hyperscan from reporting every further match position. SOM_LEFTMOST stays off: the excerpt
  // is taken around the match's end, and start-of-match tracking costs scan speed.
  unsigned out = HS_FLAG_SINGLEMATCH;
  if (flags & static_cast<PatternFlags>(PatternFlag::Caseless)) out |= HS_FLAG_CASELESS;
  if (flags & static_cast<PatternFlags>(PatternFlag::DotAll)) out |= HS_FLAG_DOTALL;
  if (flags & static_cast<PatternFlags>(PatternFlag::Multiline)) out |= HS_FLAG_MULTILINE;
  if (flags & static_cast<PatternFlags>(PatternFlag::Utf8)) out |= HS_FLAG_UTF8;
  if (flags & static_cast<PatternFlags>(PatternFlag::Ucp)) out |= HS_FLAG_UCP;
  return out;
}

std::string patternError(const Signature& signature, const char* message) {
  return signature.pattern_position.describe() + ": signature '" + signature.id +
         "': pattern does not compile: " + (message ? message : "unknown Hyperscan error");
}

std::atomic<std::uint64_t> next_generation{1};

// One distinct member list to compile: the group's database and, when every pattern allows it,
// its batch database (field_batch.h).
struct CompileJob {
  std::size_t group_index = 0;  // the first group with this member list (for error messages)
  std::vector<const char*> patterns;
  std::vector<unsigned> flags;
  std::vector<unsigned> ids;
  bool batchable = false;
  hs_database_t* database = nullptr;
  hs_compile_error_t* error = nullptr;
  hs_database_t* batch_database = nullptr;
};

void compileJob(CompileJob& job) {
  const auto count = static_cast<unsigned>(job.patterns.size());
  if (hs_compile_multi(job.patterns.data(), job.flags.data(), job.ids.data(), count,
                       HS_MODE_BLOCK, nullptr, &job.database, &job.error) != HS_SUCCESS) {
    job.database = nullptr;
    return;
  }
  if (!job.batchable) return;
  // The same patterns compiled above, so this only fails for want of resources; the group is
  // then scanned value by value, which is slower but finds the same.
  std::vector<unsigned> flags = job.flags;
  for (unsigned& f : flags) f |= HS_FLAG_MULTILINE;
  hs_compile_error_t* error = nullptr;
  if (hs_compile_multi(job.patterns.data(), flags.data(), job.ids.data(), count, HS_MODE_BLOCK,
                       nullptr, &job.batch_database, &error) != HS_SUCCESS) {
    hs_free_compile_error(error);
    job.batch_database = nullptr;
  }
}

// Hyperscan compiles take seconds for rampart's default set (big alternations, bounded repeats),
// and each is independent: they run on up to one thread per core. The snapshot is built off
// the data path, so the threads only shorten a start or a reload.
void compileAll(std::vector<CompileJob>& jobs) {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t threads = std::min<std::size_t>({cores, jobs.size(), 8});
  std::atomic<std::size_t> next{0};
  const auto work = [&] {
    for (std::size_t i = next.fetch_add(1); i < jobs.size(); i = next.fetch_add(1)) {
      compileJob(jobs[i]);
    }
  };
  std::vector<std::thread> pool;
  try {
    for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  } catch (const std::system_error&) {
    // No thread to be had: fewer (or none) help; this thread still compiles everything left.
  }
  work();
  for (std::thread& thread : pool) thread.join();
}

}  // namespace

SignatureSet::~SignatureSet() {
  for (hs_database* database : databases_) hs_free_database(database);
  hs_free_scratch(prototype_scratch_);
}

std::span<const std::size_t> SignatureSet::groupsFor(canonical::FieldSource source) const {
  return groups_by_source_[static_cast<std::size_t>(source)];
}

Result<std::shared_ptr<const SignatureSet>> SignatureSet::compile(SignatureList signatures,
                                                                  ScanLimits limits) {
  if (hs_valid_platform() != HS_SUCCESS) {
    return compileError("Hyperscan does not support this CPU (it needs SSSE3)");
  }
  std::shared_ptr<SignatureSet> set(new SignatureSet());
  set->signatures_ = std::move(signatures);
  set->limits_ = limits;
  set->generation_ = next_generation.fetch_add(1, std::memory_order_relaxed);

  // Group by (source, chain), keeping signature order inside each group and the order in which
  // groups first appear, so the same files always build the same databases.
  for (std::uint32_t index = 0; index < set->signatures_.size(); ++index) {
    const Signature& signature = set->signatures_[index];
    for (const Target& target : signature.targets) {
      auto group = std::find_if(set->groups_.begin(), set->groups_.end(), [&](const auto& g) {
        return g.source == target.source && g.transforms == signature.transforms;
      });
      if (group == set->groups_.end()) {
        set->groups_.push_back(
            SignatureGroup{target.source, signature.transforms, {}, kMaxParanoiaLevel, nullptr});
        group = std::prev(set->groups_.end());
      }
      auto member = std::find_if(group->members.begin(), group->members.end(),
                                 [&](const auto& m) { return m.signature_index == index; });
      if (member == group->members.end()) {
        group->members.push_back(SignatureGroup::Member{index, {}});
        member = std::prev(group->members.end());
        if (!target.field_name.empty()) member->field_names.push_back(target.field_name);
      } else if (member->field_names.empty() || target.field_name.empty()) {
        member->field_names.clear();  // one unrestricted target covers every name
      } else {
        member->field_names.push_back(target.field_name);
      }
      group->min_paranoia_level = std::min(group->min_paranoia_level, signature.paranoia_level);
    }
  }

  // Groups of different sources often hold the same signatures ("args" is five sources): they
  // share one database, which keeps compile time and memory proportional to distinct groups.
  std::map<std::vector<std::uint32_t>, std::size_t> job_of_key;
  std::vector<CompileJob> jobs;
  std::vector<std::size_t> job_of_group(set->groups_.size());
  for (std::size_t g = 0; g < set->groups_.size(); ++g) {
    const SignatureGroup& group = set->groups_[g];
    std::vector<std::uint32_t> key;
    for (const auto& member : group.members) {
      key.push_back(member.signature_index);
      if (!member.field_names.empty())
        set->has_named_members_[static_cast<std::size_t>(group.source)] = true;
    }
    auto [it, inserted] = job_of_key.emplace(std::move(key), jobs.size());
    if (inserted) {
      CompileJob job;
      job.group_index = g;
      job.batchable = true;
      for (std::size_t m = 0; m < group.members.size(); ++m) {
        const Signature& signature = set->signatures_[group.members[m].signature_index];
        job.patterns.push_back(signature.pattern.c_str());
        job.flags.push_back(hyperscanFlags(signature.flags));
        job.ids.push_back(static_cast<unsigned>(m));
        job.batchable = job.batchable && patternBatchable(signature.pattern);
      }
      jobs.push_back(std::move(job));
    }
    job_of_group[g] = it->second;
  }
  compileAll(jobs);

  // Take ownership of everything compiled first, so an error below frees it with the set.
  for (CompileJob& job : jobs) {
    if (job.database != nullptr) set->databases_.push_back(job.database);
    if (job.batch_database != nullptr) set->databases_.push_back(job.batch_database);
  }
  for (CompileJob& job : jobs) {
    if (job.database != nullptr) continue;
    const SignatureGroup& group = set->groups_[job.group_index];
    const hs_compile_error_t* error = job.error;
    std::string detail;
    if (error && error->expression >= 0 &&
        static_cast<std::size_t>(error->expression) < group.members.size()) {
      const auto& member = group.members[static_cast<std::size_t>(error->expression)];
      detail = patternError(set->signatures_[member.signature_index], error->message);
    } else {
      detail = "signature group " + std::string(canonical::fieldSourceName(group.source)) +
               " with transforms " + describeChain(group.transforms) +
               ": does not compile: " + (error ? error->message : "unknown Hyperscan error");
    }
    for (CompileJob& other : jobs) hs_free_compile_error(other.error);
    return compileError(std::move(detail));
  }
  for (CompileJob& job : jobs) hs_free_compile_error(job.error);  // batch failures: see compileAll
  for (hs_database_t* database : set->databases_) {
    if (hs_alloc_scratch(database, &set->prototype_scratch_) != HS_SUCCESS) {
      return compileError("cannot allocate Hyperscan scratch space");
    }
  }
  for (std::size_t g = 0; g < set->groups_.size(); ++g) {
    SignatureGroup& group = set->groups_[g];
    group.database = jobs[job_of_group[g]].database;
    group.batch_database = jobs[job_of_group[g]].batch_database;
    set->groups_by_source_[static_cast<std::size_t>(group.source)].push_back(g);
  }
  return std::shared_ptr<const SignatureSet>(std::move(set));
}

}  // namespace rampart::signatures
