// Test support: what the matchers' tests share: the best reading of a
// text, host scores that count their calls, and a keyword-then-host
// ensemble.
#pragma once

#include <atomic>
#include <handoff/config.hpp>
#include <handoff/matchers/ensemble.hpp>
#include <handoff/matchers/keywords.hpp>
#include <handoff/matchers/scored.hpp>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace handoff::test {

/// The best intent's id for `text`, or "" when the matcher finds nothing.
inline std::string best(const intent_matcher& m, const bot_config& cfg, std::string_view text) {
  intent_reading r;
  m.read(normalized_text(text), "", r);
  rank_matches(r.candidates);
  return r.candidates.empty() ? "" : cfg.intents[r.candidates.front().intent].id;
}

/// A host's scorer that counts its calls and answers with fixed scores.
struct counting_scores {
  std::shared_ptr<std::atomic<int>> calls = std::make_shared<std::atomic<int>>(0);
  std::vector<double> values;
  void operator()(std::string_view, std::string_view, std::span<double> scores) const {
    ++*calls;
    for (std::size_t i = 0; i < scores.size() && i < values.size(); ++i) scores[i] = values[i];
  }
};

inline std::uint32_t index_of(const bot_config& cfg, std::string_view id) {
  return static_cast<std::uint32_t>(cfg.find_intent(id) - cfg.intents.data());
}

/// A host matcher that never finds anything and does not say why: it does
/// not judge whether a message is in scope.
struct silent_matcher final : intent_matcher {
  std::string_view name() const noexcept override { return "silent"; }

 protected:
  void read_message(const normalized_text&, std::string_view, intent_reading&) const override {}
};

/// Keywords, then a host matcher with these scores (threshold 0.5) that
/// judges whether a message is in scope.
inline ensemble_matcher keywords_then(const bot_config& cfg, const counting_scores& s, bool judges = true) {
  std::vector<std::unique_ptr<intent_matcher>> parts;
  parts.push_back(std::make_unique<keyword_matcher>(cfg.intents));
  parts.push_back(std::make_unique<scored_matcher>("host", cfg.intents.size(), s, 0.5, judges));
  return ensemble_matcher(std::move(parts), 0.9);
}

}  // namespace handoff::test
