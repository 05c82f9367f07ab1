// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace handoff {

/// A moment in UTC, to the millisecond. The engine has no clock of its own:
/// every moment it knows was given to it by the host.
using time_point = std::chrono::sys_time<std::chrono::milliseconds>;

/// The system clock's time, to the millisecond: for a host that gives the
/// engine real time (the engine never reads a clock itself).
time_point system_now() noexcept;

/// Formats `t` as RFC 3339 in UTC: `2025-01-06T09:00:00Z`, with a
/// millisecond fraction only when it is not zero.
std::string format_rfc3339(time_point t);

/// Parses an RFC 3339 date-time (`2025-01-06T09:00:00Z`,
/// `2025-01-06T17:00:00.5+08:00`). Returns nothing when `text` is not one.
std::optional<time_point> parse_rfc3339(std::string_view text) noexcept;

}  // namespace handoff
