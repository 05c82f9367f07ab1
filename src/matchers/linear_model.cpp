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
#include "text/utf8.hpp"

namespace handoff {
namespace {

constexpr char magic[8] = {'H', 'N', 'D', 'F', 'L', 'I', 'N', '\0'};
// Version 2 added the weight of unknown features and the threshold; version
// 1 files (weight 0, threshold 0.5) are still read. Version 3 has the
// layout of 2; its models drop unknown pairs of Han characters (`soft_bit`),
// which older ones counted. Version 4 adds, after the threshold, a byte for
// what confidence is fitted on (`margin_kind`); older models fitted it on
// the best score less the mean score. Version 5 adds, after that byte, the
// shortest character n-gram taken inside a word (an int32); older models
// took every one. A loaded model keeps its own ways, so its calibration
// still holds.
constexpr std::uint32_t format_version = 5;

std::uint64_t fnv1a(const void* data, std::size_t n, std::uint64_t h = 14695981039346656037ull) noexcept {
  auto p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 1099511628211ull;
  }
  return h;
}

// Feature kinds are hashed apart, so the word "ab" and the bigram "ab"
// never share a bucket by construction.
enum feature_kind : unsigned char { word_unigram = 1, word_bigram = 2, char_ngram = 3, cjk_gram = 4 };

std::uint32_t feature_hash(feature_kind kind, std::string_view a, std::string_view b, int bits) noexcept {
  std::uint64_t h = fnv1a(&kind, 1);
  h = fnv1a(a.data(), a.size(), h);
  if (!b.empty()) {
    const char sep = ' ';
    h = fnv1a(&sep, 1, h);
    h = fnv1a(b.data(), b.size(), h);
  }
  // FNV's low bits are weak; fold the high ones in.
  h ^= h >> 29;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 32;
  return static_cast<std::uint32_t>(h & ((std::uint64_t{1} << bits) - 1));
}

struct feature_settings {
  int hash_bits = 22;
  int char_min = 2;
  int char_max = 5;
  int inner_min = 2;  // shorter n-grams only at the word's start or end
};

// Set on a feature that says nothing when the model never learnt it: a pair
// of Han (Kana, Hangul) characters is unseen far more often than a word,
// since any two familiar characters make a new pair, and counting it as
// unknown would push every Chinese message the bot was not taught word for
// word out of scope. An unseen character still counts. (For English word
// pairs the same did not help: CLINC150's validation objective fell.)
constexpr std::uint32_t soft_bit = 1u << 31;

// The hashed features of a message, with repeats (their count is the term
// frequency); `soft_bit` marks those that count only when known.
void extract(const normalized_text& t, const feature_settings& s, std::vector<std::uint32_t>& out, std::string& scratch,
             std::vector<std::uint32_t>& starts) {
  out.clear();
  std::string_view prev = "<s>";
  bool any_word = false;
  for (const auto& tok : t.tokens()) {
    std::string_view w = t.token_text(tok);
    if (tok.kind == token_kind::cjk_char || tok.kind == token_kind::cjk_bigram) {
      out.push_back(feature_hash(cjk_gram, w, {}, s.hash_bits) | (tok.kind == token_kind::cjk_bigram ? soft_bit : 0u));
      prev = "<s>";
      continue;
    }
    any_word = true;
    out.push_back(feature_hash(word_unigram, w, {}, s.hash_bits));
    out.push_back(feature_hash(word_bigram, prev, w, s.hash_bits));
    prev = w;
    // Character n-grams of "<word>", aligned to code points.
    scratch.clear();
    scratch.push_back('<');
    scratch.append(w.data(), w.size());
    scratch.push_back('>');
    starts.clear();
    for (std::uint32_t i = 0; i < scratch.size(); ++i)
      if ((static_cast<unsigned char>(scratch[i]) & 0xC0) != 0x80) starts.push_back(i);
    starts.push_back(static_cast<std::uint32_t>(scratch.size()));
    std::size_t chars = starts.size() - 1;
    for (int n = s.char_min; n <= s.char_max; ++n) {
      const auto len = static_cast<std::size_t>(n);
      for (std::size_t i = 0; i + len <= chars; ++i) {
        // Shorter than inner_min: at the word's start or end only.
        if (n < s.inner_min && i != 0 && i + len != chars) continue;
        std::string_view g(scratch.data() + starts[i], starts[i + len] - starts[i]);
        if (g == scratch) continue;  // the whole word is its unigram already
        out.push_back(feature_hash(char_ngram, g, {}, s.hash_bits));
      }
    }
  }
  if (any_word) out.push_back(feature_hash(word_bigram, prev, "</s>", s.hash_bits));
}

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

// An open-addressing map from feature hash to row, for prediction.
class row_table {
 public:
  void build(const std::vector<std::uint32_t>& keys) {
    std::size_t cap = 16;
    while (cap < keys.size() * 2) cap <<= 1;
    mask_ = cap - 1;
    keys_.assign(cap, empty);
    rows_.assign(cap, 0);
    for (std::uint32_t r = 0; r < keys.size(); ++r) {
      std::size_t i = slot(keys[r]);
      while (keys_[i] != empty) i = (i + 1) & mask_;
      keys_[i] = keys[r];
      rows_[i] = r;
    }
  }
  // Features become rows in place; soft ones the model never learnt are
  // dropped, other unknown ones become `none`.
  // (Models of file formats 1 and 2 count every unknown feature.)
  void to_rows(std::vector<std::uint32_t>& features, bool soft) const noexcept {
    std::size_t k = 0;
    for (auto h : features) {
      const std::uint32_t r = find(h & ~soft_bit);
      if (r != none || !(soft && (h & soft_bit))) features[k++] = r;
    }
    features.resize(k);
  }
  // The row of `key`, or `none`.
  std::uint32_t find(std::uint32_t key) const noexcept {
    for (std::size_t i = slot(key);; i = (i + 1) & mask_) {
      if (keys_[i] == key) return rows_[i];
      if (keys_[i] == empty) return none;
    }
  }
  static constexpr std::uint32_t none = ~std::uint32_t{0};
  void prefetch(std::uint32_t key) const noexcept {
    const std::size_t i = slot(key & ~soft_bit);
    __builtin_prefetch(keys_.data() + i);
    __builtin_prefetch(rows_.data() + i);
  }

 private:
  static constexpr std::uint32_t empty = ~std::uint32_t{0};  // hashes are < 2^30
  std::size_t slot(std::uint32_t key) const noexcept { return (key * 2654435761u) & mask_; }
  std::vector<std::uint32_t> keys_;
  std::vector<std::uint32_t> rows_;
  std::size_t mask_ = 0;
};

// Counts a message's repeated rows by indexing the rows directly: a slot
// per row says in which message it was last seen and where it stands in
// that message's vector. Unlike a hash table, nothing is cleared per
// message and a lookup never probes; a model's rows cost this thread eight
// bytes each, once.
class repeat_counter {
 public:
  static constexpr std::uint32_t first = ~std::uint32_t{0};

  void begin(std::size_t rows) {
    if (slots_.size() < rows) slots_.resize(rows, 0);
    if (++message_ == 0) {  // after 2^32 messages, stamps would repeat
      std::fill(slots_.begin(), slots_.end(), 0);
      message_ = 1;
    }
  }
  // Where `row` already stands in this message's vector, or `first` (and
  // from now on `at`) if it has not been seen in it.
  std::uint32_t find(std::uint32_t row, std::uint32_t at) noexcept {
    auto& slot = slots_[row];
    if (static_cast<std::uint32_t>(slot >> 32) == message_) return static_cast<std::uint32_t>(slot);
    slot = (std::uint64_t{message_} << 32) | at;
    return first;
  }

 private:
  std::vector<std::uint64_t> slots_;
  std::uint32_t message_ = 0;
};

// One message's features on their way through the batch pipeline.
struct batch_stage {
  std::vector<std::uint32_t> features;
  std::vector<std::pair<std::uint32_t, float>> sparse;
};

}  // namespace

struct linear_scratch::impl {
  std::vector<std::uint32_t> features;
  std::vector<std::uint32_t> starts;
  repeat_counter repeats;
  std::string word;
  std::vector<std::pair<std::uint32_t, float>> sparse;
  std::vector<float> scores;
  std::array<batch_stage, 3> stages;
};

linear_scratch::linear_scratch() : impl_(std::make_unique<impl>()) {}
linear_scratch::~linear_scratch() = default;
linear_scratch::linear_scratch(linear_scratch&&) noexcept = default;
linear_scratch& linear_scratch::operator=(linear_scratch&&) noexcept = default;

namespace {
using scratch_space = linear_scratch::impl;
}  // namespace

struct linear_model::impl {
  feature_settings settings;
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
  row_table table;

  // The number confidence is fitted on, from the scores and the best
  // label.
  float margin(const float* z, std::size_t n, std::size_t best) const noexcept {
    if (margin_from == margin_kind::over_mean) return z[best] - lane_sum(z, n) / static_cast<float>(n);
    return -std::log1p(others_exp_sum(z, n, best));
  }

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
  void vectorize(const normalized_text& t, scratch_space& s) const {
    extract(t, settings, s.features, s.word, s.starts);
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
                    std::vector<std::pair<std::uint32_t, float>>& out, repeat_counter& seen) {
    out.clear();
    seen.begin(idf.size());
    std::uint32_t unknown = 0;
    for (auto r : rows) {
      if (r == row_table::none) {
        ++unknown;
        continue;
      }
      if (const auto at = seen.find(r, static_cast<std::uint32_t>(out.size())); at != repeat_counter::first)
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

  void score(const std::vector<std::pair<std::uint32_t, float>>& v, std::vector<float>& z) const {
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
};

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
  scratch_space s;
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

// ---- files ------------------------------------------------------------------

namespace {

class writer {
 public:
  template <class T>
  void put(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    auto p = reinterpret_cast<const std::uint8_t*>(&v);
    bytes.insert(bytes.end(), p, p + sizeof(T));
  }
  template <class T>
  void put_all(const std::vector<T>& v) {
    put(static_cast<std::uint64_t>(v.size()));
    auto p = reinterpret_cast<const std::uint8_t*>(v.data());
    bytes.insert(bytes.end(), p, p + v.size() * sizeof(T));
  }
  void put_string(const std::string& s) {
    put(static_cast<std::uint32_t>(s.size()));
    bytes.insert(bytes.end(), s.begin(), s.end());
  }
  std::vector<std::uint8_t> bytes;
};

class reader {
 public:
  explicit reader(std::span<const std::uint8_t> b) : b_(b) {}
  template <class T>
  T get() {
    T v;
    need(sizeof(T));
    std::memcpy(&v, b_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  template <class T>
  std::vector<T> get_all(std::uint64_t max_count) {
    auto n = get<std::uint64_t>();
    if (n > max_count) throw error("linear model file: a table is larger than the file");
    need(n * sizeof(T));
    std::vector<T> v(n);
    std::memcpy(v.data(), b_.data() + pos_, n * sizeof(T));
    pos_ += n * sizeof(T);
    return v;
  }
  std::string get_string() {
    auto n = get<std::uint32_t>();
    need(n);
    std::string s(reinterpret_cast<const char*>(b_.data() + pos_), n);
    pos_ += n;
    return s;
  }
  std::size_t pos() const { return pos_; }

 private:
  void need(std::uint64_t n) const {
    if (n > b_.size() - pos_) throw error("linear model file: truncated");
  }
  std::span<const std::uint8_t> b_;
  std::size_t pos_ = 0;
};

}  // namespace

std::vector<std::uint8_t> linear_model::serialize() const {
  const impl& m = *impl_;
  writer w;
  for (char ch : magic) w.put(ch);
  w.put(format_version);
  w.put(static_cast<std::int32_t>(m.settings.hash_bits));
  w.put(static_cast<std::int32_t>(m.settings.char_min));
  w.put(static_cast<std::int32_t>(m.settings.char_max));
  w.put(m.temperature);
  w.put(m.platt_scale);
  w.put(m.platt_shift);
  w.put(m.unknown_idf);
  w.put(m.threshold);
  w.put(static_cast<std::uint8_t>(m.margin_from));
  w.put(static_cast<std::int32_t>(m.settings.inner_min));
  w.put(static_cast<std::uint32_t>(m.labels.size()));
  for (const auto& l : m.labels) w.put_string(l);
  w.put_all(m.keys);
  w.put_all(m.idf);
  w.put_all(m.scales);
  {
    // The file has the rows without the slack.
    const std::size_t n = m.keys.size() * m.classes();
    w.put(static_cast<std::uint64_t>(n));
    const auto* rows = reinterpret_cast<const std::uint8_t*>(m.quantized.data());
    w.bytes.insert(w.bytes.end(), rows, rows + n);
  }
  w.put_all(m.bias);
  w.put(fnv1a(w.bytes.data(), w.bytes.size()));
  return std::move(w.bytes);
}

linear_model linear_model::deserialize(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < sizeof magic + 4 || std::memcmp(bytes.data(), magic, sizeof magic) != 0)
    throw error("not a handoff linear model file");
  if (bytes.size() < sizeof magic + 4 + 8) throw error("linear model file: truncated");
  std::uint64_t stored;
  std::memcpy(&stored, bytes.data() + bytes.size() - 8, 8);
  reader r(bytes.subspan(0, bytes.size() - 8));
  for (std::size_t i = 0; i < sizeof magic; ++i) r.get<char>();
  auto version = r.get<std::uint32_t>();
  if (version < 1 || version > format_version)
    throw error(
        fmt::format("linear model file: format version {}, this library reads 1 to {}", version, format_version));
  if (fnv1a(bytes.data(), bytes.size() - 8) != stored) throw error("linear model file: checksum mismatch (corrupted)");
  linear_model model;
  impl& m = *model.impl_;
  m.settings.hash_bits = r.get<std::int32_t>();
  m.settings.char_min = r.get<std::int32_t>();
  m.settings.char_max = r.get<std::int32_t>();
  m.temperature = r.get<float>();
  m.platt_scale = r.get<float>();
  m.platt_shift = r.get<float>();
  m.soft_pairs = version >= 3;
  m.margin_from = margin_kind::over_mean;
  if (version >= 2) {
    m.unknown_idf = r.get<float>();
    m.threshold = r.get<float>();
  }
  if (version >= 4) {
    const auto kind = r.get<std::uint8_t>();
    if (kind > static_cast<std::uint8_t>(margin_kind::over_mean)) throw error("linear model file: bad margin kind");
    m.margin_from = static_cast<margin_kind>(kind);
  }
  m.settings.inner_min = version >= 5 ? r.get<std::int32_t>() : m.settings.char_min;
  if (m.settings.inner_min < 1) throw error("linear model file: bad shortest inner n-gram");
  if (!(m.threshold >= 0 && m.threshold <= 1)) throw error("linear model file: bad threshold");
  if (!std::isfinite(m.unknown_idf) || m.unknown_idf < 0) throw error("linear model file: bad unknown-feature weight");
  auto nlabels = r.get<std::uint32_t>();
  if (nlabels < 2 || nlabels > bytes.size()) throw error("linear model file: bad label count");
  for (std::uint32_t i = 0; i < nlabels; ++i) m.labels.push_back(r.get_string());
  const std::uint64_t limit = bytes.size();
  m.keys = r.get_all<std::uint32_t>(limit);
  m.idf = r.get_all<float>(limit);
  m.scales = r.get_all<float>(limit);
  m.quantized = r.get_all<std::int8_t>(limit);
  m.bias = r.get_all<float>(limit);
  if (m.idf.size() != m.keys.size() || m.scales.size() != m.keys.size() ||
      m.quantized.size() != m.keys.size() * nlabels || m.bias.size() != nlabels || m.settings.hash_bits < 10 ||
      m.settings.hash_bits > 30)
    throw error("linear model file: inconsistent tables");
  m.quantized.resize(m.quantized.size() + m.slack(), 0);
  m.table.build(m.keys);
  m.learnt_bias = m.bias;
  return model;
}

void linear_model::save(const std::filesystem::path& file) const {
  auto bytes = serialize();
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw error(fmt::format("cannot write the model {}", file.string()));
}

linear_model linear_model::load(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw error(fmt::format("cannot read the model {}", file.string()));
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return deserialize(bytes);
}

}  // namespace handoff
