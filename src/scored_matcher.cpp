// SPDX-License-Identifier: MIT
#include <algorithm>

#include "handoff/matchers/scored.hpp"

namespace handoff {

scored_matcher::scored_matcher(std::string name, const bot_config& config, scorer score, double threshold,
                               bool judges_scope)
    : name_(std::move(name)),
      intents_(config.intents.size()),
      score_(std::move(score)),
      threshold_(threshold),
      judges_scope_(judges_scope) {}

namespace {

// The scores of the message this thread scored last, so that `nearest`,
// which follows `match` on the same message, need not call the host again
// (its scorer may be a round trip to a service).
struct scored_message {
  const void* by = nullptr;  // the matcher
  std::string text, language;
  std::vector<double> scores;
  bool valid = false;  // false when the scorer failed
};

scored_message& last() {
  thread_local scored_message m;
  return m;
}

}  // namespace

bool scored_matcher::score(const normalized_text& text, std::string_view language) const {
  auto& m = last();
  // Only a matcher that judges scope is asked for its near miss: the others
  // need not copy every message.
  m.by = judges_scope_ ? this : nullptr;
  if (judges_scope_) {
    m.text.assign(text.text());
    m.language.assign(language);
  }
  m.scores.assign(intents_, 0.0);
  try {
    score_(text.text(), language, m.scores);
    m.valid = true;
  } catch (...) {
    m.valid = false;  // the host's failure must not become the customer's
  }
  return m.valid;
}

std::optional<near_miss> scored_matcher::nearest(const normalized_text& text, std::string_view language) const {
  if (!judges_scope_ || !score_ || intents_ == 0 || !(threshold_ > 0)) return std::nullopt;
  auto& m = last();
  const bool scored = m.by == this && m.text == text.text() && m.language == language;
  // A scorer that failed on this message judged nothing, and is not asked
  // again.
  if (scored ? !m.valid : !score(text, language)) return std::nullopt;
  std::size_t best = 0;
  double top = -1;
  for (std::size_t i = 0; i < intents_; ++i)
    if (double s = std::clamp(m.scores[i], 0.0, 1.0); s > top) top = s, best = i;  // NaN never wins
  if (!(top > 0)) return near_miss{0, 0.0};                                        // nothing fits at all
  return near_miss{static_cast<std::uint32_t>(best), std::min(1.0, top / threshold_)};
}

void scored_matcher::match(const normalized_text& text, std::string_view language,
                           std::vector<intent_match>& out) const {
  if (!score_ || intents_ == 0) return;
  // One buffer per thread: matchers are shared by threads, and the message
  // path does not allocate once warm.
  if (!score(text, language)) return;
  const auto& scores = last().scores;
  for (std::size_t i = 0; i < intents_; ++i) {
    double s = std::clamp(scores[i], 0.0, 1.0);  // NaN stays NaN and fails the test below
    if (s >= threshold_) out.push_back({static_cast<std::uint32_t>(i), s, false});
  }
}

}  // namespace handoff
