// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "handoff/time.hpp"

namespace handoff {

/// Who said something in a conversation.
enum class role { customer, bot, agent, system };

/// The protocol's name of a role: `customer`, `bot`, `agent`, `system`.
std::string_view to_string(role r) noexcept;

/// One line of a conversation's record. Every message is kept, with its
/// time and, for the customer's, what the bot understood of it.
struct transcript_entry {
  handoff::role role = role::customer;
  std::string text;
  time_point at{};
  /// The agent who wrote it (role agent), or who it concerns (role system).
  std::string agent;
  /// Customer messages: the host's `message_id`, if it gave one.
  std::string message_id;
  /// Customer messages: the language detected and the intent understood,
  /// with its confidence (empty intent: nothing understood).
  std::string language;
  std::string intent;
  double confidence = 0;
  /// Customer messages: how the message sounded, from -1 to 1, when a
  /// sentiment analyser read it.
  std::optional<double> sentiment;
  /// Bot messages: the protocol's `kind` (`answer`, `fallback`, ...).
  std::string kind;
};

}  // namespace handoff
