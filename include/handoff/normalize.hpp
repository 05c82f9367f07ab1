// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace handoff {

/// True when `bytes` is well-formed UTF-8 (no overlong forms, no surrogates,
/// nothing above U+10FFFF).
bool is_valid_utf8(std::string_view bytes) noexcept;

/// Appends `bytes` to `out` with every ill-formed sequence replaced by U+FFFD
/// (one replacement per maximal ill-formed subpart, as Unicode recommends).
/// Well-formed input is copied unchanged.
void sanitize_utf8(std::string_view bytes, std::string& out);

/// `sanitize_utf8` into a new string.
std::string sanitize_utf8(std::string_view bytes);

/// What kind of text a token is.
enum class token_kind : std::uint8_t {
  word,        ///< a run of letters (and marks, digits, apostrophes) in a spaced script
  number,      ///< a run of digits
  cjk_char,    ///< one Han, Kana or Hangul character
  cjk_bigram,  ///< two adjacent Han, Kana or Hangul characters
};

/// A token is a span of the normalised text, so tokens cost no allocation.
struct token {
  std::uint32_t offset = 0;
  std::uint32_t size = 0;
  token_kind kind = token_kind::word;
};

/// How many characters of each script a text holds; language detection
/// and the statistical matcher read it.
struct script_counts {
  std::uint32_t latin = 0;
  std::uint32_t han = 0;
  std::uint32_t kana = 0;
  std::uint32_t hangul = 0;
  std::uint32_t other_letters = 0;
  std::uint32_t digits = 0;
};

/// Customer text made comparable: valid UTF-8, Unicode NFKC with case
/// folding (so full-width `ＶＩＰ` equals `vip`), runs of white space folded
/// to one space, no leading or trailing space; and its tokens.
///
/// Words come from spaced scripts (Latin, Cyrillic, ...). Han, Kana and
/// Hangul have no spaces, so each of their characters is a token and so is
/// each pair of adjacent ones: no word segmenter is needed, and mixed text
/// such as `我的order在哪` gives `我`, `的`, `我的`, `order`, `在`, `哪`, `在哪`.
///
/// Reuse one object for many messages: its buffers are kept, so normalising
/// a message allocates nothing once they are large enough.
class normalized_text {
 public:
  normalized_text() = default;
  explicit normalized_text(std::string_view raw) { assign(raw); }

  /// Normalises `raw` (any bytes; ill-formed UTF-8 becomes U+FFFD).
  void assign(std::string_view raw);

  /// The normalised text.
  std::string_view text() const noexcept { return text_; }
  const std::vector<token>& tokens() const noexcept { return tokens_; }
  std::string_view token_text(const token& t) const noexcept {
    return std::string_view(text_).substr(t.offset, t.size);
  }
  const script_counts& scripts() const noexcept { return scripts_; }
  /// True when the text holds no letter and no digit (emoji, punctuation).
  bool empty_of_content() const noexcept;

 private:
  std::string text_;
  std::vector<token> tokens_;
  script_counts scripts_;
  std::u32string scratch_;  // code points between passes, kept for reuse
};

/// Normalises a short text (a keyword, a configured phrase) the same way as
/// customer text, and returns the normalised string.
std::string normalize(std::string_view raw);

/// True for code points of Han, Kana (Hiragana, Katakana) and Hangul, the
/// scripts written without spaces between words.
bool is_cjk(char32_t c) noexcept;

}  // namespace handoff
