// SPDX-License-Identifier: MIT
#include "handoff/normalize.hpp"

#include <utf8proc.h>

#include "text/utf8.hpp"

namespace handoff {
namespace detail {

char32_t decode_utf8(std::string_view s, std::size_t& pos) noexcept {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char b0 = byte(pos);
  if (b0 < 0x80) {
    ++pos;
    return b0;
  }
  // Table 3-7 of the Unicode standard: the valid second byte depends on
  // the first, which rules out overlong forms, surrogates and > U+10FFFF.
  int need;
  unsigned char lo = 0x80, hi = 0xBF;
  char32_t cp;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 1;
    cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 2;
    cp = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 3;
    cp = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    ++pos;
    return replacement_char;
  }
  std::size_t i = pos + 1;
  for (int k = 0; k < need; ++k, ++i) {
    if (i >= s.size() || byte(i) < lo || byte(i) > hi) {
      pos = i;  // the maximal subpart ends before the offending byte
      return replacement_char;
    }
    cp = (cp << 6) | (byte(i) & 0x3F);
    lo = 0x80;
    hi = 0xBF;
  }
  pos = i;
  return cp;
}

}  // namespace detail

bool is_valid_utf8(std::string_view bytes) noexcept {
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    if (static_cast<unsigned char>(bytes[pos]) < 0x80) {
      ++pos;
      continue;
    }
    std::size_t start = pos;
    char32_t c = detail::decode_utf8(bytes, pos);
    // U+FFFD itself is three bytes; anything else reporting it was bad.
    if (c == detail::replacement_char && bytes.substr(start, pos - start) != "\xEF\xBF\xBD") return false;
  }
  return true;
}

void sanitize_utf8(std::string_view bytes, std::string& out) {
  std::size_t pos = 0;
  out.reserve(out.size() + bytes.size());
  while (pos < bytes.size()) {
    // Copy well-formed runs whole; only bad bytes are rewritten.
    std::size_t start = pos;
    while (pos < bytes.size() && static_cast<unsigned char>(bytes[pos]) < 0x80) ++pos;
    out.append(bytes.substr(start, pos - start));
    if (pos >= bytes.size()) break;
    start = pos;
    char32_t c = detail::decode_utf8(bytes, pos);
    if (c == detail::replacement_char && bytes.substr(start, pos - start) != "\xEF\xBF\xBD")
      detail::append_utf8(detail::replacement_char, out);
    else
      out.append(bytes.substr(start, pos - start));
  }
}

std::string sanitize_utf8(std::string_view bytes) {
  std::string out;
  sanitize_utf8(bytes, out);
  return out;
}

bool is_cjk(char32_t c) noexcept {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x323AF) ||
         (c >= 0xF900 && c <= 0xFAFF) ||                                  // Han
         c == 0x3005 || c == 0x3007 ||                                    // 々 〇
         (c >= 0x3040 && c <= 0x30FF) || (c >= 0x31F0 && c <= 0x31FF) ||  // Kana
         (c >= 0xAC00 && c <= 0xD7AF) || (c >= 0x1100 && c <= 0x11FF) ||  // Hangul
         (c >= 0x3130 && c <= 0x318F);
}

namespace {

enum class char_class : std::uint8_t { space, word, digit, cjk, other };

constexpr utf8proc_option_t normalize_options = static_cast<utf8proc_option_t>(
    UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_IGNORE | UTF8PROC_LUMP);

char_class classify(char32_t c) noexcept {
  if (c < 0x80) {
    if (c >= 'a' && c <= 'z') return char_class::word;
    if (c >= 'A' && c <= 'Z') return char_class::word;  // only before case folding
    if (c >= '0' && c <= '9') return char_class::digit;
    if (c <= 0x20 || c == 0x7F) return char_class::space;
    return char_class::other;
  }
  if (is_cjk(c)) return char_class::cjk;
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(c))) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME: return char_class::word;
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO: return char_class::digit;
    case UTF8PROC_CATEGORY_ZS:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
    case UTF8PROC_CATEGORY_CC: return char_class::space;
    default: return char_class::other;
  }
}

void count_script(char32_t c, char_class cls, script_counts& s) noexcept {
  if (cls == char_class::digit) {
    ++s.digits;
  } else if (cls == char_class::cjk) {
    if ((c >= 0x3040 && c <= 0x30FF) || (c >= 0x31F0 && c <= 0x31FF))
      ++s.kana;
    else if (c >= 0x1100 && (c <= 0x11FF || (c >= 0x3130 && c <= 0x318F) || (c >= 0xAC00 && c <= 0xD7AF)))
      ++s.hangul;
    else
      ++s.han;
  } else if (cls == char_class::word) {
    if (c < 0x250 || (c >= 0x1E00 && c <= 0x1EFF))
      ++s.latin;
    else if (utf8proc_category(static_cast<utf8proc_int32_t>(c)) < UTF8PROC_CATEGORY_MN)
      ++s.other_letters;
  }
}

// Builds the folded text and its tokens from normalised code points; the
// ASCII fast path and the full path share it so they cannot disagree.
class token_builder {
 public:
  token_builder(std::string& text, std::vector<token>& tokens, script_counts& scripts)
      : text_(text), tokens_(tokens), scripts_(scripts) {}

  void push(char32_t c) {
    char_class cls = classify(c);
    count_script(c, cls, scripts_);
    if (cls == char_class::space) {
      end_word();
      prev_cjk_ = npos;
      pending_space_ = !text_.empty();
      return;
    }
    bool in_word = cls == char_class::word || cls == char_class::digit;
    bool apostrophe = c == '\'' && word_start_ != npos && apostrophe_ == npos && !word_digits_only_;
    if (!in_word && !apostrophe) end_word();
    if (pending_space_) {
      text_ += ' ';
      pending_space_ = false;
    }
    auto offset = static_cast<std::uint32_t>(text_.size());
    detail::append_utf8(c, text_);
    auto size = static_cast<std::uint32_t>(text_.size()) - offset;
    if (cls == char_class::cjk) {
      tokens_.push_back({offset, size, token_kind::cjk_char});
      if (prev_cjk_ != npos) tokens_.push_back({prev_cjk_, offset + size - prev_cjk_, token_kind::cjk_bigram});
      prev_cjk_ = offset;
      return;
    }
    prev_cjk_ = npos;
    if (apostrophe) {
      apostrophe_ = offset;
    } else if (in_word) {
      if (word_start_ == npos) {
        word_start_ = offset;
        word_digits_only_ = true;
      }
      apostrophe_ = npos;  // an apostrophe between word characters belongs to the word
      word_digits_only_ = word_digits_only_ && cls == char_class::digit;
    }
  }

  void finish() { end_word(); }

 private:
  static constexpr std::uint32_t npos = ~std::uint32_t{0};

  void end_word() {
    if (word_start_ == npos) return;
    // A trailing apostrophe ("customers'") is not part of the word.
    auto end = apostrophe_ != npos ? apostrophe_ : static_cast<std::uint32_t>(text_.size());
    tokens_.push_back({word_start_, end - word_start_, word_digits_only_ ? token_kind::number : token_kind::word});
    word_start_ = npos;
    apostrophe_ = npos;
  }

  std::string& text_;
  std::vector<token>& tokens_;
  script_counts& scripts_;
  std::uint32_t word_start_ = npos;
  std::uint32_t apostrophe_ = npos;
  std::uint32_t prev_cjk_ = npos;
  bool word_digits_only_ = false;
  bool pending_space_ = false;
};

}  // namespace

void normalized_text::assign(std::string_view raw) {
  text_.clear();
  tokens_.clear();
  scripts_ = {};
  token_builder builder(text_, tokens_, scripts_);

  bool ascii = true;
  for (unsigned char c : raw) ascii = ascii && c < 0x80;
  if (ascii) {
    // NFKC leaves ASCII alone and case folding is lower-casing: skip utf8proc.
    for (unsigned char c : raw) builder.push(static_cast<char32_t>(c >= 'A' && c <= 'Z' ? c + 32 : c));
    builder.finish();
    return;
  }

  // Decompose each code point (compatibility forms, case folded, default
  // ignorables dropped), then reorder and compose the whole: NFKC_Casefold.
  scratch_.clear();
  utf8proc_int32_t buf[32];
  int boundclass = 0;
  for (std::size_t pos = 0; pos < raw.size();) {
    char32_t c = detail::decode_utf8(raw, pos);
    auto n = utf8proc_decompose_char(static_cast<utf8proc_int32_t>(c), buf, 32, normalize_options, &boundclass);
    if (n < 0 || n > 32) {
      scratch_ += c;
      continue;
    }
    for (utf8proc_ssize_t i = 0; i < n; ++i) scratch_ += static_cast<char32_t>(buf[i]);
  }
  static_assert(sizeof(char32_t) == sizeof(utf8proc_int32_t));
  auto* data = reinterpret_cast<utf8proc_int32_t*>(scratch_.data());
  auto len = utf8proc_normalize_utf32(
      data, static_cast<utf8proc_ssize_t>(scratch_.size()),
      static_cast<utf8proc_option_t>((normalize_options & ~UTF8PROC_DECOMPOSE) | UTF8PROC_COMPOSE));
  if (len < 0) len = static_cast<utf8proc_ssize_t>(scratch_.size());
  for (utf8proc_ssize_t i = 0; i < len; ++i) builder.push(static_cast<char32_t>(data[i]));
  builder.finish();
}

bool normalized_text::empty_of_content() const noexcept {
  return scripts_.latin + scripts_.han + scripts_.kana + scripts_.hangul + scripts_.other_letters + scripts_.digits ==
         0;
}

std::string normalize(std::string_view raw) {
  normalized_text t(raw);
  return std::string(t.text());
}

}  // namespace handoff
