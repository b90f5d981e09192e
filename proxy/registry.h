// The explicit list of pipeline stages (no static self-registration: static libraries drop
// unreferenced objects). Each entry records the stage's phase, trust posture and maturity.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "proxy/api/error.h"
#include "proxy/api/stage.h"

namespace rampart {

struct ConfigSnapshot;

enum class StageMaturity : std::uint8_t { Stable, Experimental };
// Whether the stage parses attacker-controlled bytes (then it must be fuzzed).
enum class StageTrust : std::uint8_t { ParsesUntrustedInput, TrustedInputOnly };

struct StageRegistration {
  std::string_view name;
  Phase first_phase;
  StageTrust trust;
  StageMaturity maturity;
};

const std::vector<StageRegistration>& registeredStages();

// Builds the factories of every stage the snapshot's config switches on, in pipeline order.
Result<std::vector<std::unique_ptr<StageFactory>>> buildStageFactories(const ConfigSnapshot& snapshot);

}  // namespace rampart
