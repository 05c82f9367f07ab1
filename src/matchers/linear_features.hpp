// SPDX-License-Identifier: MIT
// The linear model's features: hashed word unigrams and bigrams, character
// n-grams of words, and Han, Kana and Hangul characters and pairs; and how
// a message's features find the model's rows.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "handoff/normalize.hpp"

namespace handoff::detail {

inline std::uint64_t fnv1a(const void* data, std::size_t n, std::uint64_t h = 14695981039346656037ull) noexcept {
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

inline std::uint32_t feature_hash(feature_kind kind, std::string_view a, std::string_view b, int bits) noexcept {
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
             std::vector<std::uint32_t>& starts);

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

}  // namespace handoff::detail
