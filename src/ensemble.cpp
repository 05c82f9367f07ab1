// SPDX-License-Identifier: MIT
#include "handoff/matchers/ensemble.hpp"

namespace handoff {

ensemble_matcher::ensemble_matcher(std::vector<std::unique_ptr<intent_matcher>> parts, double certain)
    : parts_(std::move(parts)), certain_(certain) {}

void ensemble_matcher::match(const normalized_text& text, std::string_view language,
                             std::vector<intent_match>& out) const {
  for (const auto& part : parts_) {
    const std::size_t before = out.size();
    part->match(text, language, out);
    for (std::size_t i = before; i < out.size(); ++i)
      if (out[i].command || out[i].confidence >= certain_) return;
  }
}

}  // namespace handoff
