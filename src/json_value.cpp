// SPDX-License-Identifier: MIT
#include "json_value.hpp"

namespace handoff::detail {

value from_json(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::boolean: return value(j.get<bool>());
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float: return value(j.get<double>());
    case nlohmann::json::value_t::string: return value(j.get<std::string>());
    case nlohmann::json::value_t::array: {
      value::array a;
      a.reserve(j.size());
      for (const auto& e : j) a.push_back(from_json(e));
      return value(std::move(a));
    }
    case nlohmann::json::value_t::object: {
      value::object o;
      o.reserve(j.size());
      for (auto it = j.begin(); it != j.end(); ++it) o.emplace_back(it.key(), from_json(it.value()));
      return value(std::move(o));
    }
    default: return value();
  }
}

nlohmann::ordered_json to_json(const value& v) {
  if (auto b = v.as_bool()) return *b;
  if (auto d = v.as_number()) {
    // Whole numbers print without a fraction, as the host wrote them.
    if (*d == static_cast<double>(static_cast<long long>(*d)) && *d > -9e15 && *d < 9e15)
      return static_cast<long long>(*d);
    return *d;
  }
  if (auto s = v.as_string()) return std::string(*s);
  if (auto a = v.as_array()) {
    auto out = nlohmann::ordered_json::array();
    for (const auto& e : *a) out.push_back(to_json(e));
    return out;
  }
  if (auto o = v.as_object()) {
    auto out = nlohmann::ordered_json::object();
    for (const auto& [k, e] : *o) out[k] = to_json(e);
    return out;
  }
  return nullptr;
}

}  // namespace handoff::detail
