// SPDX-License-Identifier: MIT
#include "engine/understanding.hpp"

#include "text/utf8.hpp"

namespace handoff::detail {

void settle_language(const language_guess& guess, std::string& language, bool& confident) {
  if (!guess.language.empty() && (guess.confident || !confident)) {
    if (guess.confident || language.empty()) language = guess.language;
    confident = confident || guess.confident;
  }
}

// Sanitized and redacted before it is understood, kept or exported: a
// replay of the kept (redacted) text understands it the same way.
void understand(std::string_view text, const sentiment_analyzer& analyzer, understood_message& m) {
  const compiled_bot& bot = *m.bot;
  m.clean.clear();
  sanitize_utf8(text, m.clean);
  m.redacted = bot.redact.redact(m.clean, m.scratch, m.for_agent);
  if (m.redacted) {
    m.original.swap(m.clean);
    m.clean.swap(m.scratch);
  }
  m.norm.assign(m.clean);
  m.language = m.language_before;
  m.language_confident = m.confident_before;
  settle_language(detect_language(m.norm, bot.cfg.languages), m.language, m.language_confident);
  const std::string_view language = m.language.empty() ? bot.default_language() : std::string_view(m.language);
  bot.matcher->read(m.norm, language, m.reading);
  rank_matches(m.reading.candidates);
  if (!m.reading.candidates.empty()) m.reading.near.reset();  // a near miss is for a message nothing fits
  m.feeling = analyzer.analyze(m.clean, m.norm, language);
}

}  // namespace handoff::detail
