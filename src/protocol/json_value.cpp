// SPDX-License-Identifier: MIT
#include "protocol/json_value.hpp"

#include "handoff/error.hpp"

namespace handoff::detail {

std::string_view json_kind(const nlohmann::json& j) noexcept {
  switch (j.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::boolean: return "a boolean";
    case nlohmann::json::value_t::string: return "a string";
    case nlohmann::json::value_t::array: return "an array";
    case nlohmann::json::value_t::object: return "an object";
    default: return "a number";
  }
}

bool within_depth(const nlohmann::json& j, int limit) noexcept {
  if (!j.is_structured()) return true;
  if (limit <= 0) return false;
  for (const auto& e : j)
    if (!within_depth(e, limit - 1)) return false;
  return true;
}

value from_json(const nlohmann::json& j, int depth) {
  if (j.is_structured() && depth >= max_value_depth) throw error("a JSON value nests too deeply");
  switch (j.type()) {
    case nlohmann::json::value_t::boolean: return value(j.get<bool>());
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float: return value(j.get<double>());
    case nlohmann::json::value_t::string: return value(j.get<std::string>());
    case nlohmann::json::value_t::array: {
      value::array a;
      a.reserve(j.size());
      for (const auto& e : j) a.push_back(from_json(e, depth + 1));
      return value(std::move(a));
    }
    case nlohmann::json::value_t::object: {
      value::object o;
      o.reserve(j.size());
      for (auto it = j.begin(); it != j.end(); ++it) o.emplace_back(it.key(), from_json(it.value(), depth + 1));
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
