// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "handoff/normalize.hpp"

namespace handoff {

/// One candidate intent for a message.
struct intent_match {
  /// Index into the configuration's `intents`.
  std::uint32_t intent = 0;
  /// In [0, 1].
  double confidence = 0;
  /// An exact command (such as a request for a human) that takes
  /// precedence over any other reading of the message.
  bool command = false;
  /// The candidate rests on one word found in a longer message ("hello" in
  /// "translate hello into French", "几点" in "东京现在几点"), which alone says
  /// little about what the whole message means; a phrase ("opening hours",
  /// "什么时候发货") says more. An ensemble drops such a candidate when a
  /// matcher that judges the whole message finds it out of scope.
  bool lone_word = false;
  /// The candidate is manners, not a subject: a greeting, thanks or a
  /// goodbye (`intent_definition::courtesy`). Said with another intent's
  /// keyword ("refund, thanks") it gives way; a greeting said with enough
  /// else ("hello, who invented the telephone") leaves the rest to say what
  /// the message is about.
  bool courtesy = false;
};

/// What a matcher that found nothing came closest to: for an ensemble to
/// weigh another matcher's uncertain candidates against.
struct near_miss {
  /// Index into the configuration's `intents`.
  std::uint32_t intent = 0;
  /// The best reading's confidence as a share of the matcher's threshold:
  /// below 1, or it would have been a candidate.
  double closeness = 0;
  /// The share of the message's words the matcher never learnt (a Han,
  /// Kana or Hangul character counts as a word), where it can say; 0
  /// otherwise. A message made mostly of them is about something the bot
  /// was never taught ("讲个笑话", "tell me a story").
  double unknown = 0;
};

/// Finds the intents a message may mean.
///
/// A matcher does not change once built, so `match` is `const` and one
/// matcher serves every thread without locks.
class intent_matcher {
 public:
  virtual ~intent_matcher() = default;

  /// The name the configuration chooses it by, e.g. `keywords`.
  virtual std::string_view name() const noexcept = 0;

  /// Appends to `out` the intents `text` may mean, with confidences; `out`
  /// may hold other matchers' candidates already. `language` is the
  /// detected language (a configured tag) or empty.
  virtual void match(const normalized_text& text, std::string_view language, std::vector<intent_match>& out) const = 0;

  /// For a matcher whose finding nothing is a judgement (a trained model
  /// under its threshold, a host's scores all low), not a lack of anything
  /// to say (no keyword occurs): the intent the message came closest to.
  /// Called only after `match` found nothing in the same message. Empty
  /// when the matcher does not judge, which is the default, or had no
  /// intent to name.
  virtual std::optional<near_miss> nearest(const normalized_text& /*text*/, std::string_view /*language*/) const {
    return std::nullopt;
  }

  /// For a matcher that found courtesies in `text` (candidates marked
  /// `intent_match::courtesy`): when they include a greeting and something
  /// else is said, the message without them, in `rest`, and how many words
  /// of it say something (asking words aside: "who invented the telephone"
  /// has three, "anyone there?" one). 0 otherwise, which is the default:
  /// after thanks comes mostly praise.
  virtual std::uint32_t without_courtesy(const normalized_text& /*text*/, std::string& /*rest*/) const { return 0; }
};

/// Orders candidates best first: commands, then confidence, then the order
/// of the configuration; keeps only the best candidate of each intent.
void rank_matches(std::vector<intent_match>& matches);

}  // namespace handoff
