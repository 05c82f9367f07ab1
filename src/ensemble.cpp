// SPDX-License-Identifier: MIT
#include "handoff/matchers/ensemble.hpp"

namespace handoff {

ensemble_matcher::ensemble_matcher(std::vector<std::unique_ptr<intent_matcher>> parts, double certain)
    : parts_(std::move(parts)), certain_(certain) {}

void ensemble_matcher::match(const normalized_text& text, std::string_view language,
                             std::vector<intent_match>& out) const {
  // Parts go from the most precise to the most general. One that is certain
  // decides; otherwise a later part that recognises the message overrules
  // the earlier, uncertain ones (a stray keyword in a long sentence), whose
  // candidates stand only when nobody later knows better.
  const std::size_t start = out.size();
  std::size_t latest = start;  // where the latest part with candidates begins
  for (const auto& part : parts_) {
    const std::size_t before = out.size();
    part->match(text, language, out);
    if (out.size() == before) continue;
    for (std::size_t i = before; i < out.size(); ++i)
      if (out[i].command || out[i].confidence >= certain_) {
        out.erase(out.begin() + static_cast<std::ptrdiff_t>(start), out.begin() + static_cast<std::ptrdiff_t>(before));
        return;
      }
    latest = before;
  }
  out.erase(out.begin() + static_cast<std::ptrdiff_t>(start), out.begin() + static_cast<std::ptrdiff_t>(latest));
}

}  // namespace handoff
