// SPDX-License-Identifier: MIT
// Private UTF-8 helpers shared by the text modules.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace handoff::detail {

inline constexpr char32_t replacement_char = 0xFFFD;

/// Decodes one code point at `s[pos]`, advancing `pos`. An ill-formed
/// sequence yields U+FFFD and advances past its maximal subpart.
char32_t decode_utf8(std::string_view s, std::size_t& pos) noexcept;

/// Appends `c` (a valid scalar value) to `out`.
inline void append_utf8(char32_t c, std::string& out) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

/// The code point that ends just before `pos`, or a space at the start: for
/// word-boundary tests.
inline char32_t code_point_before(std::string_view s, std::size_t pos) noexcept {
  if (pos == 0) return U' ';
  std::size_t start = pos - 1;
  while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
  return decode_utf8(s, start);
}

/// The code point at `pos`, or a space at the end.
inline char32_t code_point_at(std::string_view s, std::size_t pos) noexcept {
  if (pos >= s.size()) return U' ';
  return decode_utf8(s, pos);
}

/// Counts code points of well-formed UTF-8.
inline std::size_t count_code_points(std::string_view s) noexcept {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace handoff::detail
