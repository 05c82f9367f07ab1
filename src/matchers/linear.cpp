// SPDX-License-Identifier: MIT
#include "handoff/matchers/linear.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <optional>

#include "config/problems.hpp"

namespace handoff {

std::vector<labelled_text> training_examples(std::span<const intent_definition> intents) {
  std::vector<labelled_text> out;
  for (const auto& intent : intents) {
    for (const auto& [language, list] : intent.examples)
      for (const auto& text : list) out.push_back({text, intent.id});
    // A keyword is a short example: "退款进度" teaches as much as a sentence.
    for (const auto& [language, list] : intent.keywords)
      for (const auto& text : list) out.push_back({text, intent.id});
  }
  return out;
}

namespace {

constexpr std::uint32_t no_intent = ~std::uint32_t{0};

// A bot's examples number in the hundreds, not CLINC150's thousands: every
// feature is kept, and there are enough epochs for SGD to settle. Feature
// dropout, which helps on thousands, did not on the demo's few hundred, and
// confidence from the best score less the mean score put the cut of the
// cross-validation at a point that answered more of the demo's test
// messages right than the best label's log-probability did (Chinese 79.9%
// against 72.9%, English 81.2% against 77.4%; docs/BENCHMARKS.md).
linear_options options_for(std::size_t examples, std::uint32_t seed, float unknown_weight) {
  linear_options o;
  o.seed = seed;
  o.min_count = 1;
  o.feature_dropout = 0;
  o.unknown_weight = unknown_weight;
  o.epochs = static_cast<int>(std::clamp<std::size_t>(30000 / std::max<std::size_t>(examples, 1), 12, 100));
  o.margin = margin_kind::over_mean;
  // Every character n-gram, inner ones too: on the demo's English set,
  // taking short ones only at a word's ends cost 2 of 133 messages (and
  // none of the Chinese, which has no n-grams of words), and a bot's few
  // hundred examples make a model small and fast either way.
  o.char_ngram_inner_min = o.char_ngram_min;
  return o;
}

struct held_back_point {
  float margin;
  bool correct;
  bool in_scope;
};

// The peers' rule (../shared/bench/peers/README.md), on margins: the cut
// that maximises (in-scope accuracy + out-of-scope recall) / 2, from the
// midpoints of distinct margins, ties to the lowest.
struct cut {
  float margin = -std::numeric_limits<float>::infinity();
  double accuracy = 0, recall = 0;
  double objective() const { return (accuracy + recall) / 2; }
};

cut choose_cut(const std::vector<held_back_point>& points) {
  std::vector<float> right, oos, all;
  std::size_t in_scope = 0;
  for (const auto& p : points) {
    all.push_back(p.margin);
    if (p.in_scope) {
      ++in_scope;
      if (p.correct) right.push_back(p.margin);
    } else {
      oos.push_back(p.margin);
    }
  }
  if (in_scope == 0 || oos.empty()) return {};
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  std::sort(right.begin(), right.end());
  std::sort(oos.begin(), oos.end());
  cut best;
  double best_objective = -1;
  auto consider = [&](float t) {
    double acc = static_cast<double>(right.end() - std::lower_bound(right.begin(), right.end(), t)) /
                 static_cast<double>(in_scope);
    double rec = static_cast<double>(std::lower_bound(oos.begin(), oos.end(), t) - oos.begin()) /
                 static_cast<double>(oos.size());
    if ((acc + rec) / 2 > best_objective) {
      best_objective = (acc + rec) / 2;
      best = {t, acc, rec};
    }
  };
  consider(-std::numeric_limits<float>::infinity());
  for (std::size_t i = 0; i + 1 < all.size(); ++i) consider((all[i] + all[i + 1]) / 2);
  consider(std::numeric_limits<float>::infinity());
  return best;
}

const intent_definition* find_intent(std::span<const intent_definition> intents, std::string_view id) {
  for (const auto& i : intents)
    if (i.id == id) return &i;
  return nullptr;
}

// The model's room, kept in the caller's reading.
struct linear_reading final : matcher_scratch {
  linear_scratch model;
};

}  // namespace

struct linear_matcher::impl {
  std::shared_ptr<const linear_model> model;
  std::vector<std::uint32_t> intent_of_label;  // no_intent for labels it must not speak for
  float threshold = 0.5f;
  linear_matcher_report report;

  void bind(std::span<const intent_definition> intents) {
    intent_of_label.assign(model->labels().size(), no_intent);
    std::vector<std::string> unknown;
    for (std::size_t k = 0; k < model->labels().size(); ++k) {
      const auto* def = find_intent(intents, model->labels()[k]);
      if (!def) {
        unknown.push_back(model->labels()[k]);
        continue;
      }
      if (!def->requests_human) intent_of_label[k] = static_cast<std::uint32_t>(def - intents.data());
    }
    if (!unknown.empty()) {
      std::string list;
      for (const auto& u : unknown) list += fmt::format("{}\"{}\"", list.empty() ? "" : ", ", u);
      throw config_error("<config>", {detail::make_problem(
                                         detail::problem_id::model_mismatch, "/understanding/model",
                                         fmt::format("the model knows intents the configuration does not: {}", list))});
    }
  }

  // A loaded model: its labels must be intents, and its own threshold
  // stands unless the configuration sets one.
  void adopt(std::span<const intent_definition> intents, std::shared_ptr<const linear_model> m,
             std::optional<double> configured) {
    model = std::move(m);
    bind(intents);
    threshold = configured ? static_cast<float>(*configured) : model->threshold();
    report.threshold = threshold;
    report.intents = model->labels().size();
    report.judges_scope = true;
  }
};

namespace {

// One round of cross-validation: what to train on, what to hold back, and
// what plays an intent the bot was never taught.
struct fold {
  std::vector<labelled_text> train, held, unseen;
  std::vector<std::string> out_of_scope;  // taught as belonging to no intent
};

// In round j, the intents at positions j, j + k, ... are left out of
// training and play out-of-scope messages (with every k-th of the
// configuration's `out_of_scope`), and every k-th example of the others is
// held back. Empty with fewer than three intents.
std::vector<fold> make_folds(const understanding_settings& settings, const std::vector<labelled_text>& examples,
                             const std::vector<std::string>& ids) {
  std::vector<fold> folds;
  if (ids.size() < 3) return folds;
  const std::size_t rounds = std::min<std::size_t>(5, ids.size());
  std::vector<std::size_t> intent_of(examples.size()), count_of(ids.size(), 0);
  for (std::size_t e = 0; e < examples.size(); ++e) {
    intent_of[e] = static_cast<std::size_t>(std::find(ids.begin(), ids.end(), examples[e].label) - ids.begin());
    ++count_of[intent_of[e]];
  }
  std::vector<labelled_text> out_of_scope;
  for (const auto& [language, list] : settings.out_of_scope)
    for (const auto& text : list) out_of_scope.push_back({text, {}});
  folds.resize(rounds);
  for (std::size_t j = 0; j < rounds; ++j) {
    auto& f = folds[j];
    std::vector<std::size_t> seen_of(ids.size(), 0);
    for (std::size_t e = 0; e < examples.size(); ++e) {
      const std::size_t i = intent_of[e];
      if (i % rounds == j)
        f.unseen.push_back(examples[e]);
      else if (count_of[i] >= 2 && seen_of[i]++ % rounds == j)
        f.held.push_back(examples[e]);
      else
        f.train.push_back(examples[e]);
    }
    for (std::size_t k = 0; k < out_of_scope.size(); ++k)
      if (k % rounds == j)
        f.unseen.push_back(out_of_scope[k]);
      else
        f.out_of_scope.push_back(out_of_scope[k].text);
  }
  return folds;
}

// The held-back margins of every round, for models trained with this
// weight of unknown words.
std::vector<held_back_point> cross_validate(const std::vector<fold>& folds, std::uint32_t seed, float unknown_weight) {
  std::vector<held_back_point> points;
  normalized_text norm;
  linear_scratch scratch;
  for (const auto& f : folds) {
    auto model = linear_model::train(f.train, f.out_of_scope, options_for(f.train.size(), seed, unknown_weight));
    for (const auto& e : f.held) {
      norm.assign(e.text);
      auto p = model.predict(norm, scratch);
      points.push_back({p.margin, model.labels()[p.label] == e.label, true});
    }
    for (const auto& e : f.unseen) {
      norm.assign(e.text);
      points.push_back({model.predict(norm, scratch).margin, false, false});
    }
  }
  return points;
}

}  // namespace

linear_matcher::linear_matcher(std::span<const intent_definition> intents, const understanding_settings& settings)
    : impl_(std::make_unique<impl>()) {
  if (settings.loaded_model && settings.loaded_from == settings.model) {
    impl_->adopt(intents, settings.loaded_model, settings.threshold);
    return;
  }
  if (!settings.model.empty()) {
    // A configuration built by hand names a file that `load_config` would
    // have read already.
    try {
      impl_->adopt(intents, std::make_shared<const linear_model>(linear_model::load(settings.model)),
                   settings.threshold);
    } catch (const config_error&) {
      throw;
    } catch (const error& e) {
      throw config_error("<config>",
                         {detail::make_problem(detail::problem_id::bad_model, "/understanding/model", e.what())});
    }
    return;
  }
  auto examples = training_examples(intents);
  std::vector<std::string> ids;
  for (const auto& e : examples)
    if (std::find(ids.begin(), ids.end(), e.label) == ids.end()) ids.push_back(e.label);
  impl_->report.examples = examples.size();
  impl_->report.intents = ids.size();
  // Below three intents there is no cross-validation to calibrate the
  // confidence and choose the threshold with, and an uncalibrated model
  // would claim every message: stay silent and leave it to the keywords,
  // unless the configuration sets the threshold itself.
  if (ids.size() < 2 || (ids.size() < 3 && !settings.threshold)) return;

  // How much unseen words count against a message depends on how much the
  // bot was taught: a few examples per intent leave most words unseen. The
  // weight is chosen by the same cross-validation, never by hand.
  float unknown_weight = 1.0f;
  std::vector<held_back_point> points;
  double best_objective = -1;
  const auto folds = make_folds(settings, examples, ids);
  for (float w : {0.25f, 0.5f, 1.0f, 2.0f}) {
    auto p = cross_validate(folds, settings.seed, w);
    double objective = p.empty() ? 0 : choose_cut(p).objective();
    if (objective > best_objective) {
      best_objective = objective;
      unknown_weight = w;
      points = std::move(p);
    }
  }
  std::vector<std::string> out_of_scope;
  for (const auto& [language, list] : settings.out_of_scope)
    out_of_scope.insert(out_of_scope.end(), list.begin(), list.end());
  impl_->report.unknown_weight = unknown_weight;
  auto model = linear_model::train(examples, out_of_scope, options_for(examples.size(), settings.seed, unknown_weight));
  if (!points.empty()) {
    std::vector<calibration_point> margins;
    margins.reserve(points.size());
    for (const auto& p : points) margins.push_back({p.margin, p.correct});
    model.calibrate(margins);
  }
  if (settings.threshold) {
    impl_->threshold = static_cast<float>(*settings.threshold);
    impl_->report.judges_scope = true;
  } else if (auto c = choose_cut(points); !points.empty()) {
    impl_->threshold = model.confidence_for(c.margin);
    impl_->report.threshold_chosen = true;
    impl_->report.cv_in_scope_accuracy = c.accuracy;
    impl_->report.cv_out_of_scope_recall = c.recall;
    // Halves of a handful of held-back messages would prove nothing.
    const auto held_in = std::count_if(points.begin(), points.end(), [](const auto& p) { return p.in_scope; });
    const auto held_out = static_cast<std::ptrdiff_t>(points.size()) - held_in;
    impl_->report.judges_scope = held_in >= 10 && held_out >= 10 && c.accuracy >= 0.5 && c.recall >= 0.5;
  }
  model.set_threshold(impl_->threshold);
  impl_->report.threshold = impl_->threshold;
  impl_->model = std::make_shared<const linear_model>(std::move(model));
  impl_->bind(intents);
}

linear_matcher::linear_matcher(std::span<const intent_definition> intents, linear_model model,
                               std::optional<double> threshold)
    : impl_(std::make_unique<impl>()) {
  impl_->adopt(intents, std::make_shared<const linear_model>(std::move(model)), threshold);
}

linear_matcher::~linear_matcher() = default;

const linear_matcher_report& linear_matcher::report() const noexcept { return impl_->report; }
const linear_model* linear_matcher::model() const noexcept { return impl_->model.get(); }

void linear_matcher::read_message(const normalized_text& text, std::string_view, intent_reading& reading) const {
  const impl& m = *impl_;
  if (!m.model || text.tokens().empty()) return;
  const auto p = m.model->predict(text, reading.scratch<linear_reading>().model);
  const auto best = m.intent_of_label[p.label];
  if (best == no_intent) return;  // neither a candidate nor a near miss: a label it must not speak for
  const bool found = p.confidence >= m.threshold;
  if (found) {
    reading.candidates.push_back({best, p.confidence, false});
    const auto second = m.intent_of_label[p.runner_up];
    if (second != no_intent && p.runner_up_confidence > 0)
      reading.candidates.push_back({second, p.runner_up_confidence, false});
  }
  if (!m.report.judges_scope || !(m.threshold > 0)) return;
  // Unknown words are counted only when they may decide: for a message
  // that found nothing.
  reading.near = near_miss{best, std::min(1.0, static_cast<double>(p.confidence) / m.threshold),
                           found ? 0.0 : static_cast<double>(m.model->unknown_share(text))};
}

}  // namespace handoff
