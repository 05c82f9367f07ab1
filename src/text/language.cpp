// SPDX-License-Identifier: MIT
#include "handoff/language.hpp"

#include "text/ascii.hpp"

namespace handoff {
namespace {

using detail::iequals;

// Languages written mostly in Latin letters, of those a bot is likely to
// configure; any other primary tag is taken to use its own script.
bool latin_script(std::string_view primary) noexcept {
  static constexpr std::string_view latin[] = {"en", "fr", "de", "es", "pt", "it", "nl", "sv", "da", "no",
                                               "nb", "fi", "pl", "cs", "sk", "hu", "ro", "tr", "id", "ms",
                                               "vi", "tl", "sw", "ca", "hr", "sl", "et", "lv", "lt"};
  for (auto l : latin)
    if (iequals(l, primary)) return true;
  return false;
}

std::string_view first_with_primary(std::span<const std::string> candidates, std::string_view primary) noexcept {
  for (const auto& c : candidates)
    if (iequals(primary_language(c), primary)) return c;
  return {};
}

}  // namespace

std::string_view primary_language(std::string_view tag) noexcept { return tag.substr(0, tag.find_first_of("-_")); }

std::string_view best_language(std::string_view wanted, std::span<const std::string> candidates) noexcept {
  for (const auto& c : candidates)
    if (iequals(c, wanted)) return c;
  return first_with_primary(candidates, primary_language(wanted));
}

language_guess detect_language(const normalized_text& text, std::span<const std::string> candidates) noexcept {
  const auto& s = text.scripts();
  std::size_t latin_words = 0;
  for (const auto& t : text.tokens())
    if (t.kind == token_kind::word &&
        text.token_text(t).find_first_of("abcdefghijklmnopqrstuvwxyz") != std::string_view::npos)
      ++latin_words;

  // A Chinese customer writes English words into Chinese sentences far more
  // often than the other way round, so one Han character outweighs a word.
  std::uint32_t cjk = s.han + s.kana + s.hangul;
  if (cjk > 0 && cjk * 2 >= latin_words) {
    std::string_view primary = s.hangul > s.han + s.kana ? "ko" : s.kana > 0 ? "ja" : "zh";
    auto found = first_with_primary(candidates, primary);
    if (!found.empty()) return {found, true};
  }
  if (s.latin > 0) {
    for (const auto& c : candidates)
      if (latin_script(primary_language(c))) return {c, latin_words >= 2};
  }
  // Digits and emoji only, or CJK text for a bot with no CJK language.
  return {};
}

}  // namespace handoff
