// SPDX-License-Identifier: MIT
#include "handoff/intent.hpp"

#include <algorithm>

namespace handoff {

intent_reading::intent_reading() = default;
intent_reading::~intent_reading() = default;
intent_reading::intent_reading(intent_reading&&) noexcept = default;
intent_reading& intent_reading::operator=(intent_reading&&) noexcept = default;

void intent_reading::clear() noexcept {
  candidates.clear();
  near.reset();
  rest.clear();
  rest_words = 0;
}

intent_reading& intent_reading::part(std::size_t k) {
  while (parts_.size() <= k) parts_.push_back(std::make_unique<intent_reading>());
  return *parts_[k];
}

void rank_matches(std::vector<intent_match>& matches) {
  auto better = [](const intent_match& a, const intent_match& b) {
    if (a.command != b.command) return a.command;
    if (a.confidence != b.confidence) return a.confidence > b.confidence;
    return a.intent < b.intent;
  };
  std::sort(matches.begin(), matches.end(), better);
  // Keep each intent's best candidate only; lists are short, so a quadratic
  // scan beats any set.
  std::size_t kept = 0;
  for (std::size_t i = 0; i < matches.size(); ++i) {
    bool seen = false;
    for (std::size_t k = 0; k < kept && !seen; ++k) seen = matches[k].intent == matches[i].intent;
    if (!seen) matches[kept++] = matches[i];
  }
  matches.resize(kept);
}

}  // namespace handoff
