// SPDX-License-Identifier: MIT
// Conversions between handoff::value and nlohmann::json, private to src/.
#pragma once

#include <nlohmann/json.hpp>

#include "handoff/value.hpp"

namespace handoff::detail {

value from_json(const nlohmann::json& j);
nlohmann::ordered_json to_json(const value& v);

/// One line of JSON, always valid UTF-8, Chinese kept readable.
template <class Json>
std::string dump_line(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace handoff::detail
