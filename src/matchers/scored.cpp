// SPDX-License-Identifier: MIT
#include "handoff/matchers/scored.hpp"

#include <algorithm>

namespace handoff {

scored_matcher::scored_matcher(std::string name, std::size_t intents, scorer score, double threshold, bool judges_scope)
    : name_(std::move(name)),
      intents_(intents),
      score_(std::move(score)),
      threshold_(threshold),
      judges_scope_(judges_scope) {}

namespace {

// The host's scores, in the caller's reading: asked for once per message,
// for the candidates and the near miss alike (a scorer may be a round trip
// to a service).
struct host_scores final : matcher_scratch {
  std::vector<double> scores;
};

}  // namespace

void scored_matcher::read_message(const normalized_text& text, std::string_view language,
                                  intent_reading& reading) const {
  if (!score_ || intents_ == 0) return;
  auto& scores = reading.scratch<host_scores>().scores;
  scores.assign(intents_, 0.0);
  try {
    score_(text.text(), language, scores);
  } catch (...) {
    return;  // the host's failure must not become the customer's: it found and judged nothing
  }
  std::size_t best = 0;
  double top = -1;
  for (std::size_t i = 0; i < intents_; ++i) {
    const double s = std::clamp(scores[i], 0.0, 1.0);  // NaN stays NaN: never a candidate, never the best
    if (s >= threshold_) reading.candidates.push_back({static_cast<std::uint32_t>(i), s, false});
    if (s > top) top = s, best = i;
  }
  if (!judges_scope_ || !(threshold_ > 0)) return;
  if (!(top > 0))
    reading.near = near_miss{0, 0.0};  // nothing fits at all
  else
    reading.near = near_miss{static_cast<std::uint32_t>(best), std::min(1.0, top / threshold_)};
}

}  // namespace handoff
