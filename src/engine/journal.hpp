// SPDX-License-Identifier: MIT
// What the host's callbacks answered while an event was handled, so that a
// replay of the event calls nobody and comes out the same.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "handoff/actions.hpp"
#include "handoff/recommend.hpp"

namespace handoff::detail {

/// The slot values a message gave, as kept: redacted, since the kept text
/// they were read from is.
struct slot_values {
  named_values values;
};

/// What an action answered, or why it failed.
struct action_outcome {
  std::string outcome;
  named_values values;
  std::string failure;
};

/// What the recommender suggested, or why it failed.
struct recommendation_outcome {
  std::optional<std::string> failure;
  std::optional<recommendation> suggestion;
};

/// An effect kept by something else, which no replay reads.
struct unreadable_effect {};

using effect = std::variant<unreadable_effect, slot_values, action_outcome, recommendation_outcome>;

/// The effects of the event being handled: recorded while it is handled
/// live, handed back in order while it is replayed.
class journal {
 public:
  /// A live event; its effects are recorded only when `recording` (the
  /// engine has a store to keep them in).
  void start(bool recording) {
    effects_.clear();
    recording_ = recording;
    replaying_ = false;
  }
  /// An event replayed with the effects kept for it.
  void replay(std::vector<effect> effects) {
    effects_ = std::move(effects);
    next_ = 0;
    recording_ = false;
    replaying_ = true;
  }
  void stop() noexcept {
    replaying_ = false;
    recording_ = false;
  }

  bool replaying() const noexcept { return replaying_; }
  bool recording() const noexcept { return recording_; }

  void record(effect e) {
    if (recording_) effects_.push_back(std::move(e));
  }
  const std::vector<effect>& recorded() const noexcept { return effects_; }

  /// The next kept effect, when it is an `Effect`; null otherwise (the
  /// configuration changed since it was kept), and it stays next.
  template <class Effect>
  const Effect* next() {
    if (!replaying_ || next_ >= effects_.size()) return nullptr;
    const auto* e = std::get_if<Effect>(&effects_[next_]);
    if (e) ++next_;
    return e;
  }

 private:
  std::vector<effect> effects_;
  std::size_t next_ = 0;
  bool recording_ = false;
  bool replaying_ = false;
};

}  // namespace handoff::detail
