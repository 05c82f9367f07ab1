// SPDX-License-Identifier: MIT
#pragma once

#include <string_view>

#include "handoff/normalize.hpp"

namespace handoff {

/// How a message sounds: a score from -1 (furious) to 1 (delighted), and
/// the strength of the emotions that matter to a support desk, each from 0
/// to 1.
struct sentiment {
  double score = 0;
  double anger = 0;
  double frustration = 0;
  double anxiety = 0;
  double urgency = 0;

  /// The strongest emotion's name (`anger`, `frustration`, `anxiety`,
  /// `urgency`), or empty when none reaches `at_least`.
  std::string_view strongest(double at_least = 0.3) const noexcept;
};

/// Reads the sentiment of a customer's message. A host plugs in its own
/// model by implementing this; the engine calls it once per message, from
/// whichever thread handles the message (several at once when the host
/// calls the engine from several threads), and it must not throw.
class sentiment_analyzer {
 public:
  virtual ~sentiment_analyzer() = default;
  virtual std::string_view name() const noexcept = 0;
  /// `raw` is the message as typed (capitals, punctuation, emoji), `text`
  /// its normalised form, `language` the conversation's language.
  virtual sentiment analyze(std::string_view raw, const normalized_text& text, std::string_view language) const = 0;
};

/// The built-in analyser, `lexicon`: Chinese and English words and phrases
/// of complaint, abuse, worry, urgency and satisfaction, read with negation
/// (不满意 is negative, 没有不满意 is not; "not happy", "not bad"),
/// intensifiers (非常, 太, "really", "absolutely"), exclamation marks,
/// capitals, repeated question marks and emoji.
class lexicon_sentiment final : public sentiment_analyzer {
 public:
  lexicon_sentiment();
  std::string_view name() const noexcept override { return "lexicon"; }
  sentiment analyze(std::string_view raw, const normalized_text& text, std::string_view language) const override;
};

/// A conversation's mood over its messages: each message's score added to
/// the decayed mood before it, so three mildly cross messages weigh more
/// than one, and a calm one brings it back.
double next_mood(double mood, double score) noexcept;

}  // namespace handoff
