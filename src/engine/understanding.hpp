// SPDX-License-Identifier: MIT
// The first stage of a customer message: its text cleaned and redacted,
// its language, what it means and how it sounds. It needs nothing of the
// engine's state but the conversation's language, so the engine runs it
// before taking its lock, side by side on the host's threads.
#pragma once

#include <memory>
#include <string>

#include "engine/compiled_bot.hpp"
#include "handoff/events.hpp"
#include "handoff/intent.hpp"
#include "handoff/language.hpp"
#include "handoff/normalize.hpp"
#include "handoff/sentiment.hpp"

namespace handoff::detail {

/// One customer message, understood. Its buffers are reused from message
/// to message.
struct understood_message {
  /// What it was understood with: used only while the bot and the
  /// conversation's language are still these.
  std::shared_ptr<const compiled_bot> bot;
  std::string language_before;
  bool confident_before = false;

  /// The text as kept (valid UTF-8, redacted), as written (when redaction
  /// changed it: slots are read from it) and as the agent may see it.
  std::string clean, original, for_agent;
  bool redacted = false;
  normalized_text norm;
  /// `original` normalised, made when slots are read from it.
  normalized_text norm_original;
  std::string language;
  bool language_confident = false;
  /// The candidates, ranked; when nothing fits, what came nearest.
  intent_reading reading;
  sentiment feeling;
  std::string scratch;  // for the redactor
};

/// Understands `text` with `m.bot`, from the conversation's language as it
/// stood (`m.language_before`, `m.confident_before`).
void understand(std::string_view text, const sentiment_analyzer& analyzer, understood_message& m);

/// A conversation's language after a message: switched on clear evidence
/// only, so that a Chinese customer who types "ok" still reads Chinese.
void settle_language(const language_guess& guess, std::string& language, bool& confident);

}  // namespace handoff::detail
