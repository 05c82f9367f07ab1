// SPDX-License-Identifier: MIT
// `{name}` in the configuration's texts, filled in.
#pragma once

#include <string>
#include <string_view>

namespace handoff::detail {

/// Replaces each `{name}` for which `value_of(name)` gives a string (a
/// `const std::string*`, or nullptr to leave it as written).
template <class Lookup>
std::string fill_in(std::string_view text, Lookup&& value_of) {
  std::string out;
  out.reserve(text.size() + 32);
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == '{')
      if (auto end = text.find('}', i + 1); end != std::string_view::npos)
        if (const std::string* v = value_of(text.substr(i + 1, end - i - 1))) {
          out += *v;
          i = end + 1;
          continue;
        }
    out += text[i++];
  }
  return out;
}

/// Replaces each `{name}` that `vars` (pairs of a name and a string) names.
template <class Pairs>
std::string fill_in_pairs(std::string_view text, const Pairs& vars) {
  return fill_in(text, [&](std::string_view name) -> const std::string* {
    for (const auto& [k, v] : vars)
      if (k == name) return &v;
    return nullptr;
  });
}

}  // namespace handoff::detail
