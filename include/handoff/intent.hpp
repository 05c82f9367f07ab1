// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <memory>
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

/// What a matcher that judges scope came closest to: for an ensemble to
/// weigh another matcher's uncertain candidates against, and for a
/// fallback to offer.
struct near_miss {
  /// Index into the configuration's `intents`.
  std::uint32_t intent = 0;
  /// The best reading's confidence as a share of the matcher's threshold,
  /// at most 1: below 1 when the matcher found no candidate.
  double closeness = 0;
  /// The share of the message's words the matcher never learnt (a Han,
  /// Kana or Hangul character counts as a word), where it can say and
  /// found no candidate; 0 otherwise. A message made mostly of them is
  /// about something the bot was never taught ("讲个笑话", "tell me a story").
  double unknown = 0;
};

/// Buffers a matcher keeps in an `intent_reading` for its own use while it
/// reads, such as a trained model's feature vectors. Derive from it.
class matcher_scratch {
 public:
  virtual ~matcher_scratch() = default;
};

namespace detail {
// One address per scratch type: which type an `intent_reading` holds.
template <class Scratch>
inline constexpr char scratch_kind = 0;
}  // namespace detail

/// What a matcher made of one message, and the room it needed to make it.
///
/// The caller owns it and hands the same one in for message after message,
/// as simdjson's parser is reused: its buffers keep their capacity, so a
/// warm reading allocates nothing. A matcher keeps nothing of one message
/// for the next, and nothing per thread: what it needs while it reads lives
/// here. One reading serves one thread at a time.
///
///     handoff::intent_reading reading;  // kept, and reused
///     matcher.read(handoff::normalized_text("where is my order"), "en", reading);
///     handoff::rank_matches(reading.candidates);
class intent_reading {
 public:
  intent_reading();
  ~intent_reading();
  intent_reading(intent_reading&&) noexcept;
  intent_reading& operator=(intent_reading&&) noexcept;

  /// The intents the message may mean, with confidences, in no particular
  /// order (`rank_matches` orders them).
  std::vector<intent_match> candidates;
  /// Set by a matcher whose finding nothing is a judgement (a trained
  /// model under its threshold, a host's scores all low), not a lack of
  /// anything to say (no keyword occurs): the intent the message came
  /// closest to. A composite matcher sets it only when it found nothing.
  std::optional<near_miss> near;
  /// Set by a matcher that found nothing but courtesies, a greeting among
  /// them, in a message that says something else: the message without
  /// them, so that the rest can be judged alone, and how many of the rest's
  /// words say something (asking words aside: "who invented the telephone"
  /// has three, "anyone there?" one). Empty and 0 otherwise: after thanks
  /// comes mostly praise.
  std::string rest;
  std::uint32_t rest_words = 0;

  /// Forgets the message read last, keeping every buffer.
  void clear() noexcept;

  /// The reading a composite matcher gives its `k`-th part: made the first
  /// time, the same one after.
  intent_reading& part(std::size_t k);

  /// The matcher's own buffers, made the first time a matcher asks for
  /// this type and kept while the same type asks.
  template <class Scratch>
  Scratch& scratch() {
    if (scratch_kind_ != &detail::scratch_kind<Scratch>) {
      scratch_ = std::make_unique<Scratch>();
      scratch_kind_ = &detail::scratch_kind<Scratch>;
    }
    return static_cast<Scratch&>(*scratch_);
  }

 private:
  std::vector<std::unique_ptr<intent_reading>> parts_;
  std::unique_ptr<matcher_scratch> scratch_;
  const void* scratch_kind_ = nullptr;
};

/// Finds the intents a message may mean.
///
/// A matcher does not change once built, so `read` is `const` and one
/// matcher serves every thread without locks, each with its own reading.
class intent_matcher {
 public:
  virtual ~intent_matcher() = default;

  /// The name the configuration chooses it by, e.g. `keywords`.
  virtual std::string_view name() const noexcept = 0;

  /// Reads `text` into `reading`, which it clears first. `language` is the
  /// detected language (a configured tag) or empty.
  void read(const normalized_text& text, std::string_view language, intent_reading& reading) const {
    reading.clear();
    read_message(text, language, reading);
  }

 protected:
  /// What `read` does: `reading` comes cleared; fill what this matcher
  /// found (`candidates`, and `near`, `rest` and `rest_words` where they
  /// apply), with its buffers in `reading.scratch()`.
  virtual void read_message(const normalized_text& text, std::string_view language, intent_reading& reading) const = 0;
};

/// Orders candidates best first: commands, then confidence, then the order
/// of the configuration; keeps only the best candidate of each intent.
void rank_matches(std::vector<intent_match>& matches);

}  // namespace handoff
