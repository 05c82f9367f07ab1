// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace handoff {

/// A JSON-shaped value for the free-form data a host attaches to a customer
/// (order value, purchase history, ...), without exposing a JSON library in
/// handoff's headers.
///
///     handoff::value attrs = handoff::value::object{{"order_value", 1999.0}};
///     if (auto v = attrs.find("order_value")) v->as_number();  // 1999
class value {
 public:
  using array = std::vector<value>;
  /// Members in the order they were given; keys are unique.
  using object = std::vector<std::pair<std::string, value>>;

  value() noexcept = default;
  value(std::nullptr_t) noexcept {}
  value(bool b) noexcept : data_(b) {}
  value(double d) noexcept : data_(d) {}
  value(int i) noexcept : data_(static_cast<double>(i)) {}
  value(long long i) noexcept : data_(static_cast<double>(i)) {}
  value(std::string s) noexcept : data_(std::move(s)) {}
  value(std::string_view s) : data_(std::string(s)) {}
  value(const char* s) : data_(std::string(s)) {}
  value(array a) noexcept : data_(std::move(a)) {}
  value(object o) noexcept : data_(std::move(o)) {}

  bool is_null() const noexcept { return data_.index() == 0; }
  bool is_bool() const noexcept { return data_.index() == 1; }
  bool is_number() const noexcept { return data_.index() == 2; }
  bool is_string() const noexcept { return data_.index() == 3; }
  bool is_array() const noexcept { return data_.index() == 4; }
  bool is_object() const noexcept { return data_.index() == 5; }

  /// The value as that type, or nothing when it is of another type.
  std::optional<bool> as_bool() const noexcept;
  std::optional<double> as_number() const noexcept;
  /// Points into this value; empty when it is not a string.
  std::optional<std::string_view> as_string() const noexcept;
  const array* as_array() const noexcept { return std::get_if<array>(&data_); }
  const object* as_object() const noexcept { return std::get_if<object>(&data_); }
  array* as_array() noexcept { return std::get_if<array>(&data_); }
  object* as_object() noexcept { return std::get_if<object>(&data_); }

  /// The member `key` of an object; nullptr when absent or not an object.
  const value* find(std::string_view key) const noexcept;

  /// Follows a dotted path of object keys: `find_path("address.city")`.
  const value* find_path(std::string_view dotted) const noexcept;

  friend bool operator==(const value&, const value&) = default;

 private:
  std::variant<std::nullptr_t, bool, double, std::string, array, object> data_;
};

}  // namespace handoff
