// SPDX-License-Identifier: MIT
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "handoff/config.hpp"
#include "handoff/intent.hpp"
#include "handoff/matchers/linear_model.hpp"

namespace handoff {

/// How the statistical matcher was set up, for `handoff check` and logs.
struct linear_matcher_report {
  /// Training messages: the intents' examples and keywords.
  std::size_t examples = 0;
  std::size_t intents = 0;
  /// Below this confidence a message is out of scope.
  double threshold = 0;
  /// True when the threshold came from cross-validation, false when the
  /// configuration set it.
  bool threshold_chosen = false;
  /// Cross-validated: the share of held-back in-scope messages given their
  /// own intent above the threshold, and of out-of-scope ones (intents left
  /// out of training, and `understanding.out_of_scope`) rejected.
  double cv_in_scope_accuracy = 0;
  double cv_out_of_scope_recall = 0;
  /// How much words the model never learnt weigh in a message's length
  /// (`linear_options::unknown_weight`), chosen by the same
  /// cross-validation: the more, the less a message with unfamiliar words
  /// claims an intent.
  double unknown_weight = 0;
  /// Whether finding nothing counts as judging a message out of scope,
  /// which lets it overrule a keyword that merely occurs in the message
  /// (`intent_reading::near`). True for a loaded model or a configured
  /// threshold; for a chosen one, only when the cross-validation held back
  /// at least ten in-scope and ten out-of-scope messages, answered at least
  /// half of the first right and rejected at least half of the second: a
  /// bot taught a keyword or two per intent cannot tell a sentence about
  /// them from one about something else.
  bool judges_scope = false;
};

/// The trained statistical matcher, `linear` in the configuration: a
/// `linear_model` trained on the intents' examples (and keywords) when the
/// bot is loaded, or read from `understanding.model`.
///
/// Confidence is calibrated by cross-validation of those examples, and so
/// is the out-of-scope threshold: in each round some intents are left out
/// of training entirely and play the messages the bot was never taught.
/// Below the threshold the matcher says nothing, and the message is out of
/// scope unless another matcher knows it.
///
/// It never speaks for an intent that `requests_human`: handing over on a
/// statistical guess would send "人工智能" to a person; keywords decide that.
class linear_matcher final : public intent_matcher {
 public:
  /// Trains on the intents' examples and keywords as `settings` (the
  /// configuration's `understanding`) say, or uses the model it names:
  /// `understanding_settings::loaded_model`, read by `load_config`, or else
  /// the file `understanding_settings::model`. Throws `config_error` when
  /// that file cannot be read or does not fit the intents.
  linear_matcher(std::span<const intent_definition> intents, const understanding_settings& settings);
  /// Uses a trained model whose labels are ids of `intents`, with its own
  /// threshold unless `threshold` is given.
  linear_matcher(std::span<const intent_definition> intents, linear_model model, std::optional<double> threshold = {});
  ~linear_matcher() override;
  linear_matcher(const linear_matcher&) = delete;
  linear_matcher& operator=(const linear_matcher&) = delete;

  std::string_view name() const noexcept override { return "linear"; }

  const linear_matcher_report& report() const noexcept;
  /// Null when the configuration has fewer than three intents to learn
  /// (two, with `understanding.threshold` set): it then finds nothing.
  const linear_model* model() const noexcept;

 protected:
  /// Candidates at or above the threshold (the best reading and the
  /// runner-up); when it judges scope (`linear_matcher_report::judges_scope`),
  /// the near miss too.
  void read_message(const normalized_text& text, std::string_view language, intent_reading& reading) const override;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// The intents' training messages: each intent's examples and keywords, in
/// every language, labelled with the intent's id.
std::vector<labelled_text> training_examples(std::span<const intent_definition> intents);

}  // namespace handoff
