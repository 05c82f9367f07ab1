// SPDX-License-Identifier: MIT
#include "matchers/linear_features.hpp"

namespace handoff::detail {

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

}  // namespace handoff::detail
