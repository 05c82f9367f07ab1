// SPDX-License-Identifier: MIT
#include "handoff/value.hpp"

namespace handoff {

std::optional<bool> value::as_bool() const noexcept {
  if (auto p = std::get_if<bool>(&data_)) return *p;
  return std::nullopt;
}

std::optional<double> value::as_number() const noexcept {
  if (auto p = std::get_if<double>(&data_)) return *p;
  return std::nullopt;
}

std::optional<std::string_view> value::as_string() const noexcept {
  if (auto p = std::get_if<std::string>(&data_)) return std::string_view(*p);
  return std::nullopt;
}

const value* value::find(std::string_view key) const noexcept {
  auto obj = as_object();
  if (!obj) return nullptr;
  for (const auto& [k, v] : *obj)
    if (k == key) return &v;
  return nullptr;
}

const value* value::find_path(std::string_view dotted) const noexcept {
  const value* v = this;
  while (v) {
    auto dot = dotted.find('.');
    v = v->find(dotted.substr(0, dot));
    if (dot == std::string_view::npos) return v;
    dotted.remove_prefix(dot + 1);
  }
  return nullptr;
}

}  // namespace handoff
