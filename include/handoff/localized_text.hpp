// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace handoff {

/// A text in each of the bot's languages.
class localized_text {
 public:
  /// Sets the text for a language (a BCP 47 tag from the configuration).
  void set(std::string language, std::string text);
  /// The text for `language`, else for `fallback_language`, else the first
  /// one given; empty when there is none.
  std::string_view get(std::string_view language, std::string_view fallback_language) const noexcept;
  bool empty() const noexcept { return texts_.empty(); }
  const std::vector<std::pair<std::string, std::string>>& all() const noexcept { return texts_; }

 private:
  std::vector<std::pair<std::string, std::string>> texts_;
};

}  // namespace handoff
