// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include "handoff/localized_text.hpp"

/// What an intent needs to know before it can act (an order number, an
/// address), and how it is found in what the customer writes.
namespace handoff {

/// How a slot's value is recognised.
enum class entity_kind {
  /// An RE2 pattern (`slot_definition::pattern`); its first capture group,
  /// or the whole match, is the value.
  pattern,
  /// A phone number: a Chinese mobile number, or an international one
  /// written with `+`.
  phone,
  email,
  /// A date: `2025-01-06`, `2025/1/6`, `1月6日`, `today`, `明天`... given as
  /// `YYYY-MM-DD`.
  date,
  /// A number, as written.
  number,
  /// The whole answer to the bot's question (an address, a name): only a
  /// message that answers the question is taken.
  text,
};

struct slot_definition {
  std::string name;
  entity_kind entity = entity_kind::text;
  /// For `entity_kind::pattern`.
  std::string pattern;
  /// What the bot asks (`kind` `ask_slot`) while the slot is empty.
  localized_text prompt;
  /// What it asks when an answer did not hold a value; the prompt when empty.
  localized_text retry;
};

/// `entity` names as the configuration writes them: `pattern`, `phone`,
/// `email`, `date`, `number`, `text`.
const char* to_string(entity_kind kind) noexcept;

}  // namespace handoff
