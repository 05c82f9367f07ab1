// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "handoff/normalize.hpp"

namespace handoff {

/// A message and the intent it means, for training and evaluation.
struct labelled_text {
  std::string text;
  std::string label;
};

/// What a prediction's confidence is fitted on (`linear_prediction::margin`).
enum class margin_kind : std::uint8_t {
  /// The best label's log-probability under the model's softmax (at most
  /// 0). Low also when a message lies between a few labels, as one near an
  /// intent but not of it does: on CLINC150 with a fifth of its intents held
  /// out as the out-of-scope messages, in-scope accuracy at 85% OOS recall
  /// is 78.8% with it against 73.7% with `over_mean`.
  log_probability,
  /// The best score less the mean score. Better for a bot's own few
  /// hundred examples, trained without dropout (docs/BENCHMARKS.md).
  over_mean,
};

/// How a linear model is trained. The defaults were chosen on the
/// validation splits of CLINC150 and of data sets derived from it
/// (scripts/intent-variants.py), never on a test split.
struct linear_options {
  /// Training is deterministic for a seed.
  std::uint32_t seed = 1;
  int epochs = 16;
  /// At least this many SGD steps (examples seen), in whole epochs: a small
  /// data set gets more epochs than `epochs`. 0: `epochs` alone.
  std::uint64_t min_steps = 0;
  /// The step size at the start; it falls linearly to zero.
  double learning_rate = 3.0;
  /// Features are hashed into 2^hash_bits buckets before training.
  int hash_bits = 22;
  /// Character n-grams of words, with `<` and `>` marking the word's ends.
  /// (Up to 5 scored lower on validation, here and on data sets derived from
  /// CLINC150 with fewer examples or other out-of-scope messages, and made
  /// a third more features to look up.)
  int char_ngram_min = 2;
  int char_ngram_max = 4;
  /// Shorter character n-grams are taken only where they touch the word's
  /// start or end (`<re`, `ng>`), not inside it (`ef`, `fun`): a word's
  /// edges carry its prefixes and endings, while its short inner pieces
  /// are in so many words that they say little and cost a row each. On
  /// CLINC150 and the data sets derived from it, 4 raised closed-set
  /// accuracy on every one (by up to 0.5 points), held the validation
  /// objective (mean +0.0013), and made predictions about a quarter
  /// faster, with fewer rows to add per message. `char_ngram_min` or less
  /// takes every n-gram, as models before file format 5 did.
  int char_ngram_inner_min = 4;
  /// Features seen in fewer training messages are dropped. 2 halves a
  /// model of CLINC150's size for no loss; with a dozen examples per label,
  /// features seen once are much of what there is to learn, and 1 is
  /// better (`handoff eval` chooses on validation for a small data set).
  std::uint32_t min_count = 2;
  /// How much a feature the model never learnt weighs in a message's
  /// length, as a multiple of the rarest learnt feature's weight. Unknown
  /// words shrink the scores of a message the bot was not trained for, which
  /// is how it tells that the message is out of scope; 0 ignores them.
  float unknown_weight = 2.0f;
  /// The share of a message's features hidden at random each time SGD sees
  /// it (the rest scaled up to match), so that an intent is learnt from
  /// many of its words rather than the few that separate the training set
  /// best. 0 trains on whole messages.
  float feature_dropout = 0.6f;
  /// How hard an out-of-scope training message (see `train`) pulls the
  /// scores towards no label, against 1 for an example of a label.
  float out_of_scope_weight = 4.0f;
  /// How much more an example of a label with fewer examples weighs:
  /// (mean examples per label / the label's examples) ^ label_balance. How
  /// many examples an intent has says how much its author wrote, not how
  /// often customers ask for it, so a label is not favoured for having
  /// more; 0 weighs every example alike, 1 gives every label the same total
  /// weight.
  float label_balance = 0.5f;
  /// What the model's confidence is fitted on; saved with the model.
  margin_kind margin = margin_kind::log_probability;
};

/// One prediction: the best label and the runner-up.
struct linear_prediction {
  std::uint32_t label = 0;
  /// In [0, 1]: after `calibrate`, the estimated chance that `label` is
  /// right (low for a message that fits no label).
  float confidence = 0;
  std::uint32_t runner_up = 0;
  /// `confidence` scaled by the runner-up's probability relative to the
  /// best's: close to `confidence` when the two are equally likely.
  float runner_up_confidence = 0;
  /// The raw score the confidence is fitted on, as the model's
  /// `margin_kind` says.
  float margin = 0;
};

/// A held-back message's margin and whether the best label was right, for
/// fitting confidences (see `linear_model::calibrate`).
struct calibration_point {
  float margin = 0;
  bool correct = false;
};

/// Room for predictions, reused from one to the next so that a warm one
/// makes `linear_model::predict` allocate nothing: the message's features,
/// its vector and its scores. One thread uses a scratch at a time; any
/// model may be given it.
class linear_scratch {
 public:
  linear_scratch();
  ~linear_scratch();
  linear_scratch(linear_scratch&&) noexcept;
  linear_scratch& operator=(linear_scratch&&) noexcept;

  /// What it holds, known to the model alone.
  struct impl;

 private:
  friend class linear_model;
  std::unique_ptr<impl> impl_;
};

/// A multinomial logistic regression over hashed features: word unigrams
/// and bigrams and character n-grams of words; Han, Kana and Hangul as
/// characters and character bigrams. Features are weighted by inverse
/// document frequency and each message's vector has unit length.
///
/// A trained model does not change: `predict` is `const` and safe from many
/// threads at once.
class linear_model {
 public:
  linear_model();
  ~linear_model();
  linear_model(linear_model&&) noexcept;
  linear_model& operator=(linear_model&&) noexcept;

  /// Trains on `examples` (at least two labels). Deterministic for
  /// `options.seed`. Throws `error` on empty input.
  static linear_model train(std::span<const labelled_text> examples, const linear_options& options = {});
  /// The same, also taught that the `out_of_scope` messages belong to no
  /// label: their target is the same probability for every label, so a
  /// message like them gets flat scores and a low confidence. They add no
  /// features: what they share with no example stays unknown, which is
  /// itself a sign of a message out of scope.
  static linear_model train(std::span<const labelled_text> examples, std::span<const std::string> out_of_scope,
                            const linear_options& options = {});

  /// The labels, in the order predictions index them.
  const std::vector<std::string>& labels() const noexcept;

  /// The best label and the runner-up for a normalised message, in the
  /// caller's `scratch`.
  linear_prediction predict(const normalized_text& text, linear_scratch& scratch) const;
  /// The same with a scratch of its own, made for the call (it grows with
  /// the model: keep one for many messages).
  linear_prediction predict(const normalized_text& text) const;
  /// The same for many messages at once, `predictions[i]` for `texts[i]`
  /// (the spans must have the same size). Same results as one at a time,
  /// faster: the memory the next messages need is fetched while this one
  /// is scored.
  void predict(std::span<const normalized_text> texts, std::span<linear_prediction> predictions,
               linear_scratch& scratch) const;
  void predict(std::span<const normalized_text> texts, std::span<linear_prediction> predictions) const;

  /// The share of the message's words (a Han, Kana or Hangul character
  /// counts as one) that the model never learnt; 0 for a message with no
  /// words.
  float unknown_share(const normalized_text& text) const noexcept;

  /// Every label's share of the softmax, softmax(scores / temperature),
  /// written to `probabilities` (size `labels()`): how the labels compare
  /// for this message, not the chance that the best is right.
  void probabilities(const normalized_text& text, std::span<float> probabilities) const;
  void set_temperature(float t) noexcept;
  float temperature() const noexcept;

  /// Scales each label's bias (the score it learnt to give whatever the
  /// message says: how common the label was in training) by `s` from now
  /// on, from the bias as trained; `calibrate` again after. On long-tailed
  /// data (a few labels with a hundred examples, many with a handful) the
  /// full bias pulls the rare labels' messages to the common ones; `handoff
  /// eval` chooses 1, 0.5 or 0 on validation (docs/BENCHMARKS.md). A saved
  /// model keeps the scaled bias as its own. Outside [0, 1], and NaN, are
  /// taken as the nearest end (NaN as 0).
  void set_bias_scale(float s) noexcept;
  float bias_scale() const noexcept;

  /// What confidence is fitted on (models saved before file format 4:
  /// `over_mean`).
  margin_kind margin() const noexcept;
  /// Fits confidence on another margin from now on, with no retraining;
  /// `calibrate` again after, as confidences fitted on the old margin no
  /// longer hold. (`handoff eval` tries both on validation.)
  void set_margin(margin_kind kind) noexcept;

  /// Fits the confidence of `predict` on held-back data (Platt scaling of
  /// `linear_prediction::margin`). Messages whose
  /// label the model does not know count as out of scope, so include them:
  /// they teach it what low confidence looks like.
  void calibrate(std::span<const labelled_text> held_back);
  /// The same from margins gathered elsewhere, such as the held-back folds
  /// of a cross-validation.
  void calibrate(std::span<const calibration_point> points);
  /// The confidence `predict` gives for a margin.
  float confidence_for(float margin) const noexcept;

  /// The confidence below which a message is out of scope, as tuned on
  /// held-back data by whoever trained the model (0.5 until set); it is
  /// saved with the model.
  float threshold() const noexcept;
  void set_threshold(float t) noexcept;

  /// The model as bytes: a versioned header, the weights, and a checksum.
  std::vector<std::uint8_t> serialize() const;
  /// Reads what `serialize` wrote; throws `error` on a truncated, corrupted
  /// or foreign file, or one of another format version.
  static linear_model deserialize(std::span<const std::uint8_t> bytes);
  void save(const std::filesystem::path& file) const;
  static linear_model load(const std::filesystem::path& file);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace handoff
