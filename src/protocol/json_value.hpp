// SPDX-License-Identifier: MIT
// Conversions between handoff::value and nlohmann::json, private to src/.
#pragma once

#include <nlohmann/json.hpp>

#include "handoff/value.hpp"

namespace handoff::detail {

/// How deep host data may nest. Values are converted recursively, so the
/// limit is what keeps hostile input from exhausting the stack.
inline constexpr int max_value_depth = 32;

/// True when `j` nests no deeper than `limit` arrays and objects.
bool within_depth(const nlohmann::json& j, int limit = max_value_depth) noexcept;

/// Converts JSON to a value; throws handoff::error beyond `max_value_depth`.
value from_json(const nlohmann::json& j, int depth = 0);
nlohmann::ordered_json to_json(const value& v);

/// "a string", "an object", ...: for error messages.
std::string_view json_kind(const nlohmann::json& j) noexcept;

/// One line of JSON, always valid UTF-8, Chinese kept readable.
template <class Json>
std::string dump_line(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace handoff::detail
