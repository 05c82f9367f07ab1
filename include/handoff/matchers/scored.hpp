// SPDX-License-Identifier: MIT
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "handoff/intent.hpp"

namespace handoff {

/// A matcher whose scores come from the host: an embedding service, a
/// neural model, a rules engine of its own. The library needs no part of
/// it; the host gives one score per intent.
///
/// The scorer gets the normalised message and its language and fills
/// `scores` (one per configured intent, in the configuration's order,
/// zeroed before the call) with confidences in [0, 1]; it is asked once per
/// message. Scores at or above
/// `threshold` become candidates; values outside [0, 1] are clamped.
///
/// With `judges_scope`, scores all under the threshold are a judgement that
/// the message fits no intent (a model that scores every intent, such as
/// an embedding service): after keywords in an ensemble, they overrule a
/// keyword that is one word of a longer message, unless the best score is
/// that keyword's intent at 80% of the threshold or more
/// (`intent_reading::near`). Without it (a
/// scorer that speaks for a few intents and leaves the rest at zero), they
/// are no opinion. The
/// scorer is called on the message path, so it must not throw; one that
/// does is treated as having found nothing. It runs outside the engine's
/// lock, on whichever thread handles the message: several at once when the
/// host calls the engine from several threads.
class scored_matcher final : public intent_matcher {
 public:
  using scorer = std::function<void(std::string_view text, std::string_view language, std::span<double> scores)>;

  /// `intents`: how many intents the bot has (`bot_config::intents`).
  scored_matcher(std::string name, std::size_t intents, scorer score, double threshold = 0.5,
                 bool judges_scope = false);

  std::string_view name() const noexcept override { return name_; }

 protected:
  void read_message(const normalized_text& text, std::string_view language, intent_reading& reading) const override;

 private:
  std::string name_;
  std::size_t intents_;
  scorer score_;
  double threshold_;
  bool judges_scope_;
};

}  // namespace handoff
