// SPDX-License-Identifier: MIT
#include <algorithm>

#include "handoff/matchers/scored.hpp"

namespace handoff {

scored_matcher::scored_matcher(std::string name, const bot_config& config, scorer score, double threshold)
    : name_(std::move(name)), intents_(config.intents.size()), score_(std::move(score)), threshold_(threshold) {}

void scored_matcher::match(const normalized_text& text, std::string_view language,
                           std::vector<intent_match>& out) const {
  if (!score_ || intents_ == 0) return;
  // One buffer per thread: matchers are shared by threads, and the message
  // path does not allocate once warm.
  thread_local std::vector<double> scores;
  scores.assign(intents_, 0.0);
  try {
    score_(text.text(), language, scores);
  } catch (...) {
    return;  // the host's failure must not become the customer's
  }
  for (std::size_t i = 0; i < intents_; ++i) {
    double s = std::clamp(scores[i], 0.0, 1.0);  // NaN stays NaN and fails the test below
    if (s >= threshold_) out.push_back({static_cast<std::uint32_t>(i), s, false});
  }
}

}  // namespace handoff
