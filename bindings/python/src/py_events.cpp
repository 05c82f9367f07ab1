// SPDX-License-Identifier: MIT
// The protocol's events as Python dicts, converted in C++: no JSON text in
// between, and no Python json module.
#include <pybind11/pybind11.h>

#include <cmath>
#include <handoff/error.hpp>

#include "protocol/event_json.hpp"
#include "py_handoff.hpp"

namespace handoff::python {
namespace {

// Deep enough for any event; shallow enough that hostile data cannot use up
// the stack.
constexpr int max_depth = 64;

nlohmann::json convert(const py::handle& v, int depth) {
  if (depth > max_depth) throw error("an event nests deeper than 64 levels");
  if (v.is_none()) return nullptr;
  if (py::isinstance<py::bool_>(v)) return v.cast<bool>();
  if (py::isinstance<py::int_>(v)) {
    try {
      return v.cast<long long>();
    } catch (const py::cast_error&) {
      return static_cast<double>(v.cast<py::float_>());  // past 64 bits: as JSON text would read it
    }
  }
  if (py::isinstance<py::float_>(v)) return v.cast<double>();
  if (py::isinstance<py::str>(v)) return v.cast<std::string>();
  if (py::isinstance<py::dict>(v)) {
    nlohmann::json o = nlohmann::json::object();
    for (auto [key, value] : v.cast<py::dict>()) {
      if (!py::isinstance<py::str>(key)) throw error("an event's keys must be strings");
      o[key.cast<std::string>()] = convert(value, depth + 1);
    }
    return o;
  }
  if (py::isinstance<py::list>(v) || py::isinstance<py::tuple>(v)) {
    nlohmann::json a = nlohmann::json::array();
    for (auto item : v) a.push_back(convert(item, depth + 1));
    return a;
  }
  throw error("an event holds dicts, lists, strings, numbers, booleans and None, not " +
              std::string(py::str(v.get_type().attr("__name__"))));
}

}  // namespace

nlohmann::json to_json_value(const py::handle& value) { return convert(value, 0); }

py::object to_python(const nlohmann::ordered_json& j) {
  switch (j.type()) {
    case nlohmann::ordered_json::value_t::object: {
      py::dict d;
      for (auto it = j.begin(); it != j.end(); ++it) d[py::str(it.key())] = to_python(it.value());
      return d;
    }
    case nlohmann::ordered_json::value_t::array: {
      py::list l;
      for (const auto& e : j) l.append(to_python(e));
      return l;
    }
    case nlohmann::ordered_json::value_t::string: return py::str(j.get_ref<const std::string&>());
    case nlohmann::ordered_json::value_t::boolean: return py::bool_(j.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer: return py::int_(j.get<long long>());
    case nlohmann::ordered_json::value_t::number_unsigned: return py::int_(j.get<unsigned long long>());
    case nlohmann::ordered_json::value_t::number_float: {
      const double d = j.get<double>();
      return std::isfinite(d) ? py::object(py::float_(d)) : py::object(py::none());  // as JSON writes it
    }
    default: return py::none();
  }
}

parsed_input read_event(const py::handle& event) {
  if (py::isinstance<py::str>(event)) return parse_input(event.cast<std::string>());
  if (py::isinstance<py::bytes>(event)) return parse_input(std::string(event.cast<py::bytes>()));
  parsed_input refused;
  try {
    return detail::read_input(to_json_value(event));
  } catch (const error& e) {
    refused.error = {"invalid_json", e.what(), {}, {}};
  } catch (py::error_already_set& e) {
    refused.error = {"invalid_json", describe(e), {}, {}};
  } catch (const py::cast_error&) {  // a string Python cannot give as UTF-8 (a lone surrogate)
    refused.error = {"invalid_json", "an event's strings must be text that UTF-8 can hold", {}, {}};
  }
  return refused;
}

py::list to_python(const std::vector<output_event>& events) {
  py::list out;
  for (const auto& e : events) out.append(to_python(detail::write_output(e)));
  return out;
}

}  // namespace handoff::python
