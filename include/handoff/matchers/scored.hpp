// SPDX-License-Identifier: MIT
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "handoff/config.hpp"
#include "handoff/intent.hpp"

namespace handoff {

/// A matcher whose scores come from the host: an embedding service, a
/// neural model, a rules engine of its own. The library needs no part of
/// it; the host gives one score per intent.
///
/// The scorer gets the normalised message and its language and fills
/// `scores` (one per configured intent, in the configuration's order,
/// zeroed before the call) with confidences in [0, 1]. Scores at or above
/// `threshold` become candidates; values outside [0, 1] are clamped.
///
/// With `judges_scope`, scores all under the threshold are a judgement that
/// the message fits no intent (a model that scores every intent, such as
/// an embedding service): after keywords in an ensemble, they overrule a
/// keyword that is one word of a longer message, unless the best score is
/// that keyword's intent at 80% of the threshold or more (`nearest`, which
/// reuses the scores rather than asking the host twice). Without it (a
/// scorer that speaks for a few intents and leaves the rest at zero), they
/// are no opinion. The
/// scorer is called on the message path, so it must not throw; one that
/// does is treated as having found nothing. It runs outside the engine's
/// lock, on whichever thread handles the message: several at once when the
/// host calls the engine from several threads.
class scored_matcher final : public intent_matcher {
 public:
  using scorer = std::function<void(std::string_view text, std::string_view language, std::span<double> scores)>;

  scored_matcher(std::string name, const bot_config& config, scorer score, double threshold = 0.5,
                 bool judges_scope = false);

  std::string_view name() const noexcept override { return name_; }
  void match(const normalized_text& text, std::string_view language, std::vector<intent_match>& out) const override;
  std::optional<near_miss> nearest(const normalized_text& text, std::string_view language) const override;

 private:
  // Scores `text` into this thread's buffer; false when the scorer threw.
  bool score(const normalized_text& text, std::string_view language) const;

  std::string name_;
  std::size_t intents_;
  scorer score_;
  double threshold_;
  bool judges_scope_;
};

}  // namespace handoff
