// SPDX-License-Identifier: MIT
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "handoff/normalize.hpp"

namespace handoff {

/// The outcome of language detection on one message.
struct language_guess {
  /// One of the candidate tags, or empty when the text gives no evidence
  /// (digits, emoji, an order number).
  std::string_view language;
  /// False when the evidence is thin (a single short Latin word such as
  /// "ok"): a conversation should not switch language on it.
  bool confident = false;
};

/// Guesses which of `candidates` (BCP 47 tags such as `zh`, `zh-CN`, `en`) a
/// message is written in, from its scripts: Han means Chinese (with Kana,
/// Japanese), Hangul Korean, Latin letters the first Latin-script candidate.
/// Mixed text leans to the CJK language, as `我的order在哪` is Chinese.
///
/// Good enough to answer Chinese in Chinese and English in English; it does
/// not tell apart languages that share a script.
language_guess detect_language(const normalized_text& text, std::span<const std::string> candidates) noexcept;

/// The primary subtag of a BCP 47 tag: `zh-CN` -> `zh`. Tags compare
/// without regard to case.
std::string_view primary_language(std::string_view tag) noexcept;

/// The candidate that best serves `wanted`: the same tag, else the same
/// primary language, else empty.
std::string_view best_language(std::string_view wanted, std::span<const std::string> candidates) noexcept;

}  // namespace handoff
