// SPDX-License-Identifier: MIT
// What a linear model is made of, for the files that train, run, and read
// and write it.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "handoff/matchers/linear_model.hpp"
#include "matchers/linear_features.hpp"

namespace handoff {
namespace detail {

// One message's features on their way through the batch pipeline.
struct batch_stage {
  std::vector<std::uint32_t> features;
  std::vector<std::pair<std::uint32_t, float>> sparse;
};

}  // namespace detail

struct linear_scratch::impl {
  std::vector<std::uint32_t> features;
  std::vector<std::uint32_t> starts;
  detail::repeat_counter repeats;
  std::string word;
  std::vector<std::pair<std::uint32_t, float>> sparse;
  std::vector<float> scores;
  std::array<detail::batch_stage, 3> stages;
};

struct linear_model::impl {
  detail::feature_settings settings;
  std::vector<std::string> labels;
  std::vector<std::uint32_t> keys;  // feature hash of each row
  std::vector<float> idf;           // per row
  std::vector<float> weights;       // rows x labels
  std::vector<float> bias;          // labels, as predictions use them
  std::vector<float> learnt_bias;   // as trained (or loaded), before `bias_scale`
  float bias_scale = 1;
  float unknown_idf = 0;   // the weight of a feature with no row
  bool soft_pairs = true;  // `soft_bit` features count only when known
  margin_kind margin_from = margin_kind::log_probability;
  float threshold = 0.5f;
  float temperature = 1;
  // Confidence is sigmoid(scale * margin + shift): fitted on
  // held-back data, so it estimates the chance the label is right.
  float platt_scale = 1;
  float platt_shift = 0;
  detail::row_table table;

  // The number confidence is fitted on, from the scores and the best
  // label.
  float margin(const float* z, std::size_t n, std::size_t best) const noexcept;

  float confidence(float margin) const noexcept {
    return 1.0f / (1.0f + std::exp(-(platt_scale * margin + platt_shift)));
  }

  std::size_t classes() const noexcept { return labels.size(); }
  // The best label and the runner-up from the scores.
  linear_prediction decide(const std::vector<float>& z) const noexcept;

  // Weights are kept to 8 bits (a scale per row), as the file stores them,
  // so the trained model and the loaded one are the same. A row is added
  // into the scores as `span()` bytes, whole vectors with no odd end (with
  // the AVX-512 build this made predictions on CLINC150 a seventh faster,
  // side by side: docs/BENCHMARKS.md); the bytes past a row's end are the
  // next row's (or `slack()` zeros after the last), and the scores they
  // make are cut off.
  std::vector<float> scales;
  std::vector<std::int8_t> quantized;  // rows x labels, then slack()
  std::size_t span() const noexcept { return (classes() + 31) & ~std::size_t{31}; }
  std::size_t slack() const noexcept { return span() - classes(); }
  void quantize() {
    const std::size_t c = classes();
    scales.assign(keys.size(), 0.0f);
    quantized.assign(keys.size() * c + slack(), 0);
    for (std::size_t r = 0; r < keys.size(); ++r) {
      float* w = weights.data() + r * c;
      float top = 0;
      for (std::size_t k = 0; k < c; ++k) top = std::max(top, std::abs(w[k]));
      scales[r] = top / 127.0f;
      for (std::size_t k = 0; k < c; ++k) {
        auto q = scales[r] > 0 ? std::lround(w[k] / scales[r]) : 0L;
        quantized[r * c + k] = static_cast<std::int8_t>(q);
      }
    }
  }

  // The message's weighted, unit-length feature vector over known rows.
  void vectorize(const normalized_text& t, linear_scratch::impl& s) const {
    detail::extract(t, settings, s.features, s.word, s.starts);
    table.to_rows(s.features, soft_pairs);
    weigh(s.features, idf, unknown_idf, s.sparse, s.repeats);
  }

  // Rows with repeats (their count is the term frequency) become
  // (1 + log tf) * idf, and the vector unit length. Features the model
  // never learnt (row `none`) take part in the length and are then dropped:
  // a message made mostly of words the bot has never seen keeps a short
  // vector and low scores, instead of being blown up to full length by the
  // few words it shares with an intent. That is the strongest out-of-scope
  // signal a bag of n-grams has.
  static void weigh(const std::vector<std::uint32_t>& rows, const std::vector<float>& idf, float unknown_idf,
                    std::vector<std::pair<std::uint32_t, float>>& out, detail::repeat_counter& seen) {
    out.clear();
    seen.begin(idf.size());
    std::uint32_t unknown = 0;
    for (auto r : rows) {
      if (r == detail::row_table::none) {
        ++unknown;
        continue;
      }
      if (const auto at = seen.find(r, static_cast<std::uint32_t>(out.size())); at != detail::repeat_counter::first)
        out[at].second += 1.0f;
      else
        out.emplace_back(r, 1.0f);
    }
    auto tf = [](float count) { return count == 1.0f ? 1.0f : 1.0f + std::log(count); };
    float norm = 0;
    for (auto& [r, x] : out) {
      x = tf(x) * idf[r];
      norm += x * x;
    }
    // Unknown features count together, as one feature repeated: their
    // weight grows with the log of their number, like a term's.
    if (unknown > 0) {
      const float x = tf(static_cast<float>(unknown)) * unknown_idf;
      norm += x * x;
    }
    if (norm > 0) {
      const float inv = 1.0f / std::sqrt(norm);
      for (auto& e : out) e.second *= inv;
    }
  }

  // The scores of a weighted vector: the bias and a row per feature.
  void score(const std::vector<std::pair<std::uint32_t, float>>& v, std::vector<float>& z) const;
};

}  // namespace handoff
