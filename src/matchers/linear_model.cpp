// SPDX-License-Identifier: MIT
#include "handoff/matchers/linear_model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <numeric>
#include <random>
#include <unordered_map>

#include "handoff/error.hpp"
#include "matchers/linear_model_impl.hpp"
#include "text/utf8.hpp"

namespace handoff {
namespace {

using namespace detail;

// The inner loops: a row of weights added into the scores, for every
// feature of a message. They are most of the time of training and of
// prediction, so they are compiled three times, for the x86-64 baseline,
// for AVX2 and for AVX-512, and the loader picks what the machine has.
// linear_model.cpp is built without fused multiply-adds, so every version
// rounds alike and a seed trains the same model on any machine.
// (Not in sanitized builds: the loader runs the choice before the sanitizer
// is up.)
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__) && \
    !defined(__SANITIZE_THREAD__)
#define HANDOFF_VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define HANDOFF_VECTOR_CLONES
#endif

HANDOFF_VECTOR_CLONES
void add_quantized_row(float* __restrict z, const std::int8_t* __restrict q, float a, std::size_t n) noexcept {
  for (std::size_t k = 0; k < n; ++k) z[k] += a * static_cast<float>(q[k]);
}

HANDOFF_VECTOR_CLONES
void add_row(float* __restrict z, const float* __restrict w, float a, std::size_t n) noexcept {
  for (std::size_t k = 0; k < n; ++k) z[k] += a * w[k];
}

// The sum of z[0, n), in eight lanes: one running sum would wait on each
// addition in turn, a chain as long as the labels are many.
float lane_sum(const float* z, std::size_t n) noexcept {
  float lanes[8] = {};
  std::size_t k = 0;
  for (; k + 8 <= n; k += 8)
    for (std::size_t j = 0; j < 8; ++j) lanes[j] += z[k + j];
  for (std::size_t j = 0; k + j < n; ++j) lanes[j] += z[k + j];
  return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
}

// e^x for x <= 0 (to within a few parts in 10^7; about 1e-38 below
// e^-87), in plain arithmetic that the compiler can vectorise, as std::exp
// cannot be: 2^(x log2 e) split into a whole power, set in the exponent
// bits, and a fraction in [-1/2, 1/2] by its series. x is a difference of
// two scores, finite and far from the range of an int. (A clamp on the
// float would stop the vectorisation; the clamp on the whole power does
// not.)
inline float exp_nonpositive(float x) noexcept {
  const float t = x * 1.44269504f;
  const auto i = static_cast<std::int32_t>(t - 0.5f);  // t <= 0: rounds to nearest
  const float g = (t - static_cast<float>(i)) * 0.69314718f;
  const float p =
      1.0f + g * (1.0f + g * (0.5f + g * (1.0f / 6 + g * (1.0f / 24 + g * (1.0f / 120 + g * (1.0f / 720))))));
  const std::int32_t whole = i < -126 ? -126 : i;
  return p * std::bit_cast<float>((whole + 127) << 23);
}

// The sum of e^(z[k] - z[best]) over the labels k other than `best`, the
// label with the largest score: the best label's log-probability is
// -log(1 + this). Leaving the best out keeps the small sums of a confident
// message apart (1 + 1e-9 is 1 in a float). The powers are taken 64 at a
// time into a buffer (a loop the compiler vectorises), then summed in eight
// lanes.
HANDOFF_VECTOR_CLONES
float others_exp_sum(const float* __restrict z, std::size_t n, std::size_t best) noexcept {
  const float top = z[best];
  float lanes[8] = {};
  float e[64];
  for (std::size_t from = 0; from < n; from += 64) {
    const std::size_t m = std::min<std::size_t>(64, n - from);
    for (std::size_t k = 0; k < m; ++k) e[k] = exp_nonpositive(z[from + k] - top);
    if (best - from < m) e[best - from] = 0.0f;  // (best < from wraps round: not here)
    for (std::size_t k = m; k % 8 != 0; ++k) e[k] = 0.0f;
    for (std::size_t k = 0; k < m; k += 8)
      for (std::size_t j = 0; j < 8; ++j) lanes[j] += e[k + j];
  }
  return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
}

}  // namespace

linear_scratch::linear_scratch() : impl_(std::make_unique<impl>()) {}
linear_scratch::~linear_scratch() = default;
linear_scratch::linear_scratch(linear_scratch&&) noexcept = default;
linear_scratch& linear_scratch::operator=(linear_scratch&&) noexcept = default;

float linear_model::impl::margin(const float* z, std::size_t n, std::size_t best) const noexcept {
  if (margin_from == margin_kind::over_mean) return z[best] - lane_sum(z, n) / static_cast<float>(n);
  return -std::log1p(others_exp_sum(z, n, best));
}

void linear_model::impl::score(const std::vector<std::pair<std::uint32_t, float>>& v, std::vector<float>& z) const {
  z.assign(bias.begin(), bias.end());
  const std::size_t c = classes();
  if (weights.empty()) {
    // A trained model reads its 8-bit rows: a quarter of the memory
    // traffic of floats, which is what prediction waits on. Rows are
    // added `span()` wide (see `quantize`); the scores past the labels
    // are cut off.
    const std::size_t n = span();
    z.resize(n);
    for (const auto& [r, x] : v)
      add_quantized_row(z.data(), quantized.data() + static_cast<std::size_t>(r) * c, x * scales[r], n);
    z.resize(c);
    return;
  }
  for (const auto& [r, x] : v) add_row(z.data(), weights.data() + static_cast<std::size_t>(r) * c, x, c);
}

linear_model::linear_model() : impl_(std::make_unique<impl>()) {}
linear_model::~linear_model() = default;
linear_model::linear_model(linear_model&&) noexcept = default;
linear_model& linear_model::operator=(linear_model&&) noexcept = default;

const std::vector<std::string>& linear_model::labels() const noexcept { return impl_->labels; }
float linear_model::confidence_for(float margin) const noexcept { return impl_->confidence(margin); }
float linear_model::threshold() const noexcept { return impl_->threshold; }
margin_kind linear_model::margin() const noexcept { return impl_->margin_from; }
void linear_model::set_margin(margin_kind kind) noexcept { impl_->margin_from = kind; }
void linear_model::set_threshold(float t) noexcept { impl_->threshold = std::clamp(t, 0.0f, 1.0f); }
void linear_model::set_temperature(float t) noexcept { impl_->temperature = t > 0 ? t : 1; }
float linear_model::temperature() const noexcept { return impl_->temperature; }
void linear_model::set_bias_scale(float s) noexcept {
  // Outside [0, 1] (or NaN, which would make every score NaN), the nearest
  // end, as the threshold is clamped.
  s = s > 0 ? std::min(s, 1.0f) : 0.0f;
  impl_->bias_scale = s;
  for (std::size_t k = 0; k < impl_->bias.size(); ++k) impl_->bias[k] = impl_->learnt_bias[k] * s;
}
float linear_model::bias_scale() const noexcept { return impl_->bias_scale; }

linear_model linear_model::train(std::span<const labelled_text> examples, const linear_options& options) {
  return train(examples, {}, options);
}

linear_model linear_model::train(std::span<const labelled_text> examples, std::span<const std::string> out_of_scope,
                                 const linear_options& options) {
  if (examples.empty()) throw error("linear model: no training examples");
  if (options.hash_bits < 10 || options.hash_bits > 30) throw error("linear model: hash_bits must be from 10 to 30");
  if (!(options.feature_dropout >= 0 && options.feature_dropout < 1))
    throw error("linear model: feature_dropout must be at least 0 and below 1");
  if (!(options.out_of_scope_weight >= 0 && options.out_of_scope_weight <= 100))
    throw error("linear model: out_of_scope_weight must be from 0 to 100");
  if (options.min_steps > 1'000'000'000) throw error("linear model: min_steps must be at most 10^9");
  if (!(options.label_balance >= 0 && options.label_balance <= 1))
    throw error("linear model: label_balance must be from 0 to 1");
  // (A model with an infinite one would be written, and then refused when
  // loaded.)
  if (!(std::isfinite(options.unknown_weight) && options.unknown_weight >= 0))
    throw error("linear model: unknown_weight must be finite and at least 0");
  linear_model model;
  impl& m = *model.impl_;
  m.settings = {options.hash_bits, std::max(1, options.char_ngram_min), std::max(0, options.char_ngram_max),
                std::max(1, options.char_ngram_inner_min)};
  m.margin_from = options.margin;

  // Labels in sorted order, so the same data gives the same model.
  for (const auto& e : examples) m.labels.push_back(e.label);
  std::sort(m.labels.begin(), m.labels.end());
  m.labels.erase(std::unique(m.labels.begin(), m.labels.end()), m.labels.end());
  if (m.labels.size() < 2) throw error("linear model: training needs at least two labels");
  const std::size_t c = m.labels.size();

  // Features of every example; rows are given to features in order of
  // first appearance.
  std::unordered_map<std::uint32_t, std::uint32_t> row_of;
  std::vector<std::uint32_t> df;
  std::vector<std::vector<std::pair<std::uint32_t, float>>> data(examples.size());
  std::vector<std::uint32_t> y(examples.size());
  linear_scratch::impl s;
  normalized_text norm;
  for (std::size_t i = 0; i < examples.size(); ++i) {
    norm.assign(examples[i].text);
    extract(norm, m.settings, s.features, s.word, s.starts);
    auto& v = data[i];
    for (auto h : s.features) {
      auto [it, added] = row_of.try_emplace(h & ~soft_bit, static_cast<std::uint32_t>(m.keys.size()));
      if (added) {
        m.keys.push_back(h & ~soft_bit);
        df.push_back(0);
      }
      v.emplace_back(it->second, (h & soft_bit) ? 0.0f : 1.0f);
    }
    std::sort(v.begin(), v.end());
    for (std::size_t k = 0; k < v.size(); ++k)
      if (k == 0 || v[k].first != v[k - 1].first) ++df[v[k].first];
    y[i] = static_cast<std::uint32_t>(std::lower_bound(m.labels.begin(), m.labels.end(), examples[i].label) -
                                      m.labels.begin());
  }
  // A feature seen in one training message only teaches that message: drop
  // it, which halves the model for a negligible loss. It still counts as an
  // unknown feature, as it would in a new message.
  {
    std::vector<std::uint32_t> renumber(m.keys.size(), row_table::none);
    std::vector<std::uint32_t> keys, kept_df;
    for (std::size_t r = 0; r < m.keys.size(); ++r)
      if (df[r] >= options.min_count) {
        renumber[r] = static_cast<std::uint32_t>(keys.size());
        keys.push_back(m.keys[r]);
        kept_df.push_back(df[r]);
      }
    for (auto& v : data) {
      std::size_t k = 0;
      // A dropped feature is unknown, as in a new message.
      for (const auto& [r, x] : v)
        if (renumber[r] != row_table::none || x > 0) v[k++] = {renumber[r], x};
      v.resize(k);
    }
    m.keys = std::move(keys);
    df = std::move(kept_df);
  }
  const auto n = static_cast<float>(examples.size());
  m.idf.resize(m.keys.size());
  for (std::size_t r = 0; r < m.keys.size(); ++r)
    m.idf[r] = std::log((1.0f + n) / (1.0f + static_cast<float>(df[r]))) + 1.0f;
  m.unknown_idf = options.unknown_weight * (std::log(1.0f + n) + 1.0f);
  for (auto& v : data) {
    s.features.clear();
    for (const auto& [r, x] : v) s.features.push_back(r);
    impl::weigh(s.features, m.idf, m.unknown_idf, v, s.repeats);
  }
  // Out-of-scope messages come after the examples, with the label `c`
  // (none), over the examples' rows only.
  m.table.build(m.keys);
  if (options.out_of_scope_weight > 0)
    for (const auto& text : out_of_scope) {
      norm.assign(text);
      extract(norm, m.settings, s.features, s.word, s.starts);
      if (s.features.empty()) continue;
      m.table.to_rows(s.features, m.soft_pairs);
      data.emplace_back();
      impl::weigh(s.features, m.idf, m.unknown_idf, data.back(), s.repeats);
      y.push_back(static_cast<std::uint32_t>(c));
    }

  // Stochastic gradient descent on the softmax loss, the step falling
  // linearly to zero.
  m.weights.assign(m.keys.size() * c, 0.0f);
  m.bias.assign(c, 0.0f);
  std::vector<std::uint32_t> order(data.size());
  std::iota(order.begin(), order.end(), 0u);
  std::mt19937 rng(options.seed);
  std::vector<float> z(c);
  // Dropout draws from its own generator, so the order of examples is the
  // same with and without it.
  std::mt19937 dropout_rng(options.seed ^ 0x9e3779b9u);
  std::bernoulli_distribution keep(1.0 - static_cast<double>(options.feature_dropout));
  const float kept_scale = 1.0f / (1.0f - options.feature_dropout);
  auto& seen = s.sparse;
  const std::size_t epochs =
      std::max<std::size_t>(static_cast<std::size_t>(std::max(options.epochs, 0)),
                            static_cast<std::size_t>((options.min_steps + data.size() - 1) / data.size()));
  const double total = static_cast<double>(epochs) * static_cast<double>(data.size());
  const float uniform = 1.0f / static_cast<float>(c);
  std::vector<float> label_weight(c, 1.0f);
  if (options.label_balance > 0) {
    std::vector<std::size_t> count(c, 0);
    for (std::size_t i = 0; i < examples.size(); ++i) ++count[y[i]];
    const double mean = static_cast<double>(examples.size()) / static_cast<double>(c);
    for (std::size_t k = 0; k < c; ++k)
      label_weight[k] = static_cast<float>(
          std::pow(mean / static_cast<double>(count[k]), static_cast<double>(options.label_balance)));
  }
  double step = 0;
  for (std::size_t epoch = 0; epoch < epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    for (auto i : order) {
      const auto lr = static_cast<float>(options.learning_rate * (1.0 - step++ / total));
      const auto* x_i = &data[i];
      if (options.feature_dropout > 0) {
        seen.clear();
        for (const auto& [r, x] : data[i])
          if (keep(dropout_rng)) seen.emplace_back(r, x * kept_scale);
        x_i = &seen;
      }
      m.score(*x_i, z);
      float top = *std::max_element(z.begin(), z.end());
      float sum = 0;
      for (auto& v : z) sum += (v = std::exp(v - top));
      for (auto& v : z) v /= sum;
      // Now the gradient of the loss by the scores: towards the label, or
      // towards the same probability for all.
      if (y[i] < c) {
        z[y[i]] -= 1.0f;
        if (const float w = label_weight[y[i]]; w != 1.0f)
          for (auto& v : z) v *= w;
      } else
        for (auto& v : z) v = options.out_of_scope_weight * (v - uniform);
      for (const auto& [r, x] : *x_i) add_row(m.weights.data() + static_cast<std::size_t>(r) * c, z.data(), -lr * x, c);
      for (std::size_t k = 0; k < c; ++k) m.bias[k] -= lr * z[k];
    }
  }
  m.learnt_bias = m.bias;
  m.quantize();
  std::vector<float>().swap(m.weights);
  return model;
}

void linear_model::probabilities(const normalized_text& text, std::span<float> out) const {
  linear_scratch room;
  auto& s = *room.impl_;
  impl_->vectorize(text, s);
  impl_->score(s.sparse, s.scores);
  float top = *std::max_element(s.scores.begin(), s.scores.end());
  float sum = 0;
  for (auto& v : s.scores) sum += (v = std::exp((v - top) / impl_->temperature));
  for (std::size_t k = 0; k < out.size() && k < s.scores.size(); ++k) out[k] = s.scores[k] / sum;
}

linear_prediction linear_model::predict(const normalized_text& text) const {
  linear_scratch room;
  return predict(text, room);
}

linear_prediction linear_model::predict(const normalized_text& text, linear_scratch& scratch) const {
  auto& s = *scratch.impl_;
  impl_->vectorize(text, s);
  impl_->score(s.sparse, s.scores);
  return impl_->decide(s.scores);
}

float linear_model::unknown_share(const normalized_text& text) const noexcept {
  const impl& m = *impl_;
  if (m.keys.empty()) return 0;
  std::uint32_t words = 0, unknown = 0;
  for (const auto& tok : text.tokens()) {
    if (tok.kind == token_kind::cjk_bigram) continue;
    const auto kind = tok.kind == token_kind::cjk_char ? cjk_gram : word_unigram;
    ++words;
    unknown += m.table.find(feature_hash(kind, text.token_text(tok), {}, m.settings.hash_bits)) == row_table::none;
  }
  return words > 0 ? static_cast<float>(unknown) / static_cast<float>(words) : 0.0f;
}

void linear_model::predict(std::span<const normalized_text> texts, std::span<linear_prediction> predictions) const {
  linear_scratch room;
  predict(texts, predictions, room);
}

void linear_model::predict(std::span<const normalized_text> texts, std::span<linear_prediction> predictions,
                           linear_scratch& scratch) const {
  if (texts.size() != predictions.size()) throw error("linear_model::predict: texts and predictions differ in size");
  // A three-stage pipeline over the messages: features of message i (and
  // a prefetch of their table slots), rows of message i - 1 (and a
  // prefetch of their weights), scores of message i - 2. A message's
  // features land in rows scattered over megabytes, so one at a time waits
  // on memory for most of its time; here the waits overlap the work.
  auto& s = *scratch.impl_;
  const impl& m = *impl_;
  auto& stages = s.stages;
  const std::size_t n = texts.size(), c = m.classes(), span = m.span();
  for (std::size_t i = 0; i < n + 2; ++i) {
    if (i < n) {
      auto& st = stages[i % 3];
      extract(texts[i], m.settings, st.features, s.word, s.starts);
      for (auto h : st.features) m.table.prefetch(h);
    }
    if (i >= 1 && i - 1 < n) {
      auto& st = stages[(i - 1) % 3];
      m.table.to_rows(st.features, m.soft_pairs);
      impl::weigh(st.features, m.idf, m.unknown_idf, st.sparse, s.repeats);
      for (const auto& e : st.sparse) {
        const auto* row = m.quantized.data() + static_cast<std::size_t>(e.first) * c;
        for (std::size_t b = 0; b < span; b += 64) __builtin_prefetch(row + b);
        __builtin_prefetch(row + span - 1);
      }
    }
    if (i >= 2) {
      m.score(stages[(i - 2) % 3].sparse, s.scores);
      predictions[i - 2] = m.decide(s.scores);
    }
  }
}

namespace {

// The largest of z[from, to), in eight lanes so that the loop needs no
// branch and no chain of comparisons: a bot's hundred-odd labels are
// scanned for every message.
float largest(const float* z, std::size_t from, std::size_t to) noexcept {
  float lanes[8];
  for (auto& l : lanes) l = -std::numeric_limits<float>::infinity();
  std::size_t k = from;
  for (; k + 8 <= to; k += 8)
    for (std::size_t j = 0; j < 8; ++j) lanes[j] = z[k + j] > lanes[j] ? z[k + j] : lanes[j];
  for (std::size_t j = 0; k + j < to; ++j) lanes[j] = z[k + j] > lanes[j] ? z[k + j] : lanes[j];
  float top = lanes[0];
  for (std::size_t j = 1; j < 8; ++j) top = lanes[j] > top ? lanes[j] : top;
  return top;
}

}  // namespace

linear_prediction linear_model::impl::decide(const std::vector<float>& z) const noexcept {
  const std::size_t n = z.size();
  const float* p = z.data();
  // The best label is the first with the largest score, the runner-up the
  // first of the others with theirs.
  const float top = largest(p, 0, n);
  std::uint32_t best = 0;
  while (best + 1 < n && p[best] != top) ++best;  // (bounded: a NaN score is never the top)
  const float next = std::max(largest(p, 0, best), largest(p, best + 1, n));
  std::uint32_t second = best == 0 ? 1 : 0;
  while (second < n && (second == best || p[second] != next)) ++second;
  if (second == n) second = best == 0 ? 1 : 0;
  const float m = margin(p, n, best);
  const float confidence = this->confidence(m);
  const float share = std::exp((next - top) / temperature);
  return {best, confidence, second, confidence * share, m};
}

void linear_model::calibrate(std::span<const labelled_text> held_back) {
  // Each held-back message gives its margin (as the model's `margin_kind`
  // says) and whether the best label is right; messages whose label the
  // model does not know (out of scope) are never right.
  std::vector<calibration_point> points;
  normalized_text norm;
  linear_scratch room;
  auto& s = *room.impl_;
  for (const auto& e : held_back) {
    norm.assign(e.text);
    impl_->vectorize(norm, s);
    impl_->score(s.sparse, s.scores);
    const auto& z = s.scores;
    auto best = static_cast<std::size_t>(std::max_element(z.begin(), z.end()) - z.begin());
    points.push_back({impl_->margin(z.data(), z.size(), best), impl_->labels[best] == e.label});
  }
  calibrate(std::span<const calibration_point>(points));
}

void linear_model::calibrate(std::span<const calibration_point> margins) {
  std::vector<std::pair<double, double>> points;
  points.reserve(margins.size());
  for (const auto& m : margins) points.emplace_back(m.margin, m.correct ? 1.0 : 0.0);
  if (points.empty()) return;
  // Platt scaling: logistic regression on the margin, by Newton's method,
  // with Platt's smoothed targets so that a perfect split stays finite.
  double positives = 0;
  for (const auto& p : points) positives += p.second;
  const double negatives = static_cast<double>(points.size()) - positives;
  const double hi = (positives + 1) / (positives + 2), lo = 1 / (negatives + 2);
  auto loss = [&](double a, double b) {
    double total = 0;
    for (const auto& [x, label] : points) {
      double t = label > 0.5 ? hi : lo, u = a * x + b;
      // log(1 + e^u) - t u, written to stay finite for large |u|.
      total += (u > 0 ? u + std::log1p(std::exp(-u)) : std::log1p(std::exp(u))) - t * u;
    }
    return total;
  };
  double a = 1, b = 0, current = loss(a, b);
  for (int iter = 0; iter < 100; ++iter) {
    double ga = 0, gb = 0, haa = 1e-9, hab = 0, hbb = 1e-9;
    for (const auto& [x, label] : points) {
      double target = label > 0.5 ? hi : lo;
      double p = 1 / (1 + std::exp(-(a * x + b)));
      double d = p - target, w = p * (1 - p);
      ga += d * x;
      gb += d;
      haa += w * x * x;
      hab += w * x;
      hbb += w;
    }
    double det = haa * hbb - hab * hab;
    if (std::abs(det) < 1e-12) break;
    double da = (hbb * ga - hab * gb) / det, db = (haa * gb - hab * ga) / det;
    // Newton's step, halved until the loss falls: plain Newton can overshoot.
    double step = 1;
    while (step > 1e-8 && loss(a - step * da, b - step * db) > current) step /= 2;
    if (step <= 1e-8) break;
    a -= step * da;
    b -= step * db;
    double next = loss(a, b);
    bool done = current - next < 1e-10 * static_cast<double>(points.size());
    current = next;
    if (done) break;
  }
  impl_->platt_scale = static_cast<float>(a);
  impl_->platt_shift = static_cast<float>(b);
}

}  // namespace handoff
