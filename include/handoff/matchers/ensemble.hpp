// SPDX-License-Identifier: MIT
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "handoff/intent.hpp"

namespace handoff {

/// Combines matchers into one ranking, `ensemble` in the configuration.
///
/// The parts are asked in order, from the most precise to the most general.
/// One that is certain (a command, or a candidate at `certain` confidence or
/// above) decides alone, and later parts are not asked: a message that is
/// exactly a keyword does not wait for the statistical matcher. Otherwise
/// the last part that recognises the message decides: a keyword that
/// happens to occur in a long sentence yields to the statistical reading of
/// the whole sentence, though a phrase of its best reading's intent ("i
/// want a refund") drops its runner-up, so that the bot answers rather than
/// asks which of the two is meant. When no later part recognises the
/// message, the uncertain candidates stand, except those that rest on a lone word
/// (`intent_match::lone_word`) when a later part judges the message out of
/// scope (`intent_reading::near`) without having come near (80% of its
/// threshold) to one of their intents: "hello" in "translate hello into
/// French" is not a greeting. A phrase stands.
///
/// A greeting (`intent_match::courtesy`) that comes with something else
/// (`intent_reading::rest`) leaves the later parts to judge the
/// rest alone: "hello, could you find my parcel" is what the rest is. The
/// message is out of scope when the rest comes under half of a judging
/// part's threshold for every intent and either says enough to be judged
/// on its own (six words: "hello, who invented the telephone") or is
/// mostly words the bot was never taught (`near_miss::unknown`: "你好
/// 讲个笑话"). An opener ("hello, can you help me") stands as the
/// greeting.
class ensemble_matcher final : public intent_matcher {
 public:
  ensemble_matcher(std::vector<std::unique_ptr<intent_matcher>> parts, double certain);

  std::string_view name() const noexcept override { return "ensemble"; }

  const std::vector<std::unique_ptr<intent_matcher>>& parts() const noexcept { return parts_; }

 protected:
  /// The parts' readings in `reading.part(k)`; when nothing fits, the near
  /// miss of the last part that judges scope, on the whole message.
  void read_message(const normalized_text& text, std::string_view language, intent_reading& reading) const override;

 private:
  std::vector<std::unique_ptr<intent_matcher>> parts_;
  double certain_;
};

}  // namespace handoff
