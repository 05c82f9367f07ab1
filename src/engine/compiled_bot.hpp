// SPDX-License-Identifier: MIT
// Everything the engine derives from one configuration, built whole before
// it is used, so that a reload replaces all of it or none.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "bot/hours_schedule.hpp"
#include "bot/slot_extractor.hpp"
#include "handoff/actions.hpp"
#include "handoff/config.hpp"
#include "handoff/intent.hpp"
#include "handoff/matcher_registry.hpp"
#include "handoff/privacy.hpp"
#include "handoff/sentiment.hpp"
#include "policy/compiled_policy.hpp"

namespace handoff::detail {

struct compiled_bot {
  /// Compiles `config`: its matchers (from `registry`, the built-ins when
  /// null), policy, hours and actions (the host's first). Reads no file:
  /// `load_config` read them. Throws `config_error`.
  compiled_bot(bot_config config, const matcher_registry* registry, const action_registry* host_actions);

  bot_config cfg;
  std::unique_ptr<intent_matcher> matcher;
  compiled_policy policy;
  std::vector<hours_schedule> schedules;  // as cfg.hours
  /// The first intent that requests a human, or `~0u`.
  std::uint32_t human_intent = ~0u;
  /// By intent: how its slots are found, and its action (empty when none).
  std::vector<std::vector<slot_extractor>> extractors;
  std::vector<action_function> actions;
  /// The configuration's privacy rules.
  redactor redact;
  /// How customers sound, when the host gives no analyser of its own.
  lexicon_sentiment builtin_sentiment;

  /// The schedule a queue keeps; null when it is always open.
  const hours_schedule* hours_of(std::string_view queue) const;
  std::string_view default_language() const { return cfg.languages.front(); }
  /// Text with every redaction, as it may be kept and exported.
  std::string for_record(std::string text) const;
};

}  // namespace handoff::detail
