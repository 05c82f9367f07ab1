// SPDX-License-Identifier: MIT
// Actions written in Python: fn(request) -> None | outcome | {outcome, values}.
#include <handoff/error.hpp>

#include "py_handoff.hpp"

namespace handoff::python {
namespace {

py::dict request_dict(const action_request& r) {
  py::dict d;
  d["conversation"] = std::string(r.conversation);
  d["intent"] = std::string(r.intent);
  d["language"] = std::string(r.language);
  py::dict slots;
  if (r.slots)
    for (const auto& [k, v] : *r.slots) slots[py::str(k)] = v;
  d["slots"] = slots;
  if (r.customer) {
    py::dict c;
    c["id"] = r.customer->id;
    c["name"] = r.customer->name;
    c["tier"] = r.customer->tier;
    d["customer"] = c;
  }
  return d;
}

}  // namespace

action_function python_action(py_callable fn) {
  return [fn](const action_request& r) -> action_result {
    py::gil_scoped_acquire gil;
    try {
      py::object got = fn(request_dict(r));
      action_result result;
      if (got.is_none()) return result;
      if (py::isinstance<py::str>(got)) {
        result.outcome = got.cast<std::string>();
        return result;
      }
      auto d = got.cast<py::dict>();
      if (d.contains("outcome")) result.outcome = py::str(d["outcome"]).cast<std::string>();
      if (d.contains("values"))
        for (auto [k, v] : d["values"].cast<py::dict>())
          result.values.emplace_back(py::str(k).cast<std::string>(), py::str(v).cast<std::string>());
      return result;
    } catch (py::error_already_set& e) {
      // The engine records the failure and answers with the intent's
      // `failed` response: the conversation goes on.
      throw handoff::error(describe(e));
    } catch (const py::cast_error& e) {
      throw handoff::error(std::string("the action must return None, an outcome string, or a dict with "
                                       "`outcome` and `values`: ") +
                           e.what());
    }
  };
}

}  // namespace handoff::python
