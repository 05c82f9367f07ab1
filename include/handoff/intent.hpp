// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
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
};

/// Orders candidates best first: commands, then confidence, then the order
/// of the configuration; keeps only the best candidate of each intent.
void rank_matches(std::vector<intent_match>& matches);

}  // namespace handoff
