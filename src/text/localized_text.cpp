// SPDX-License-Identifier: MIT
#include "handoff/localized_text.hpp"

#include "handoff/language.hpp"

namespace handoff {

void localized_text::set(std::string language, std::string text) {
  for (auto& [lang, t] : texts_)
    if (lang == language) {
      t = std::move(text);
      return;
    }
  texts_.emplace_back(std::move(language), std::move(text));
}

std::string_view localized_text::get(std::string_view language, std::string_view fallback_language) const noexcept {
  if (texts_.empty()) return {};
  for (const auto& [lang, t] : texts_)
    if (lang == language) return t;
  // "zh-CN" asked, "zh" given (or the other way round).
  for (const auto& [lang, t] : texts_)
    if (!lang.empty() && primary_language(lang) == primary_language(language)) return t;
  for (const auto& [lang, t] : texts_)
    if (lang.empty()) return t;
  for (const auto& [lang, t] : texts_)
    if (lang == fallback_language) return t;
  return texts_.front().second;
}

}  // namespace handoff
