// SPDX-License-Identifier: MIT
// Hash containers keyed by strings that are searched with string_views,
// without making a string for every lookup.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace handoff::detail {

struct string_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

template <class T>
using string_map = std::unordered_map<std::string, T, string_hash, std::equal_to<>>;

using string_set = std::unordered_set<std::string, string_hash, std::equal_to<>>;

}  // namespace handoff::detail
