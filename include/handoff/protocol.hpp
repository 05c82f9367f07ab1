// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "handoff/events.hpp"
#include "handoff/fwd.hpp"
#include "handoff/time.hpp"

/// The JSON mapping of the protocol's events: one JSON object per line.
namespace handoff {

/// The protocol's version, as in `docs/protocol.md`.
inline constexpr int protocol_version = 1;

/// An input line, read. Either `event` is set, with the optional `at` the
/// line carried, or `error` says why the line was refused (`invalid_json`,
/// `unknown_type`, `missing_field`, `wrong_type`, `invalid_value`).
struct parsed_input {
  std::optional<input_event> event;
  std::optional<time_point> at;
  out::error error;

  explicit operator bool() const noexcept { return event.has_value(); }
};

/// Reads one JSON object of the protocol. Never throws on any input:
/// ill-formed UTF-8 inside strings becomes U+FFFD first, so a customer's
/// garbled text is still delivered.
parsed_input parse_input(std::string_view json) noexcept;

/// Who sends, when the transport knows it already (a customer's own
/// socket, a console signed in as an agent): an event that leaves out its
/// `conversation` or `agent` is read with these instead of being refused.
/// What the event names itself is kept, for the host to check.
struct known_sender {
  std::string_view conversation = {};
  std::string_view agent = {};
};
parsed_input parse_input(std::string_view json, const known_sender& sender) noexcept;

/// Writes an event as one line of JSON (no trailing newline); always valid
/// UTF-8, with `type` first and the protocol's field names.
std::string to_json(const output_event& event);
/// A conversation as the engine knows it (state, customer, queue, agent,
/// tags, transcript), as stores keep it.
std::string to_json(const conversation_info& conversation);
std::string to_json(const input_event& event, std::optional<time_point> at = {});

}  // namespace handoff
