// SPDX-License-Identifier: MIT
// What the Python module's files share: Python callables kept by C++, the
// conversions between Python objects and the protocol's JSON, and one
// bind_<header> per handoff header the module exposes.
#pragma once

#include <pybind11/pybind11.h>

#include <handoff/actions.hpp>
#include <handoff/events.hpp>
#include <handoff/matcher_registry.hpp>
#include <handoff/protocol.hpp>
#include <handoff/recommend.hpp>
#include <handoff/sentiment.hpp>
#include <handoff/store.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace handoff::python {

namespace py = pybind11;

/// A Python callable kept by C++ code that may copy or drop it without the
/// GIL: the last owner takes the GIL to let it go.
class py_callable {
 public:
  explicit py_callable(py::function f)
      : f_(new py::function(std::move(f)), [](py::function* p) {
          py::gil_scoped_acquire gil;
          delete p;
        }) {}
  template <class... Args>
  py::object operator()(Args&&... args) const {
    return (*f_)(std::forward<Args>(args)...);
  }

 private:
  std::shared_ptr<py::function> f_;
};

/// What a Python exception says, for an error in a transcript or a message.
inline std::string describe(const py::error_already_set& e) { return e.what(); }

// ---- py_events.cpp: the protocol's events as dicts --------------------------

/// A Python value (dict, list, str, int, float, bool, None) as JSON; throws
/// `handoff::error` for anything else, or nesting deeper than 64.
nlohmann::json to_json_value(const py::handle& value);
/// JSON as Python values.
py::object to_python(const nlohmann::ordered_json& value);
/// An input event from a dict, or from a line of JSON: never throws on what
/// the event says (a bad one is `parsed_input::error`).
parsed_input read_event(const py::handle& event);
/// Output events as a list of dicts.
py::list to_python(const std::vector<output_event>& events);

// ---- the host's callbacks ---------------------------------------------------

/// py_actions.cpp: fn(request) -> None | outcome | {outcome, values}.
action_function python_action(py_callable fn);
/// py_recommend.cpp: fn(request) -> None | text | {text, quick_replies}.
recommender_function python_recommender(py_callable fn);
/// py_sentiment.cpp: fn(text, language) -> score | {score, anger, ...}.
std::unique_ptr<sentiment_analyzer> python_sentiment(py_callable fn);

/// py_intent.cpp: the matcher `id` of `registry`, from Python: a
/// handoff.IntentMatcher, a scoring function, or {"score": fn,
/// "threshold": t, "judges_scope": b}.
void add_python_matcher(matcher_registry& registry, const std::string& id, const py::handle& spec);

/// py_store.cpp: the store `spec` names: a handoff.Store of Python's, or
/// "memory" or "sqlite:PATH". Null for "memory".
std::unique_ptr<store> open_python_store(const py::handle& spec, py::object& keep_alive);

// ---- one per header ---------------------------------------------------------

void bind_error(py::module_& m);
void bind_intent(py::module_& m);
void bind_store(py::module_& m);
void bind_engine(py::module_& m);
void bind_linear_model(py::module_& m);
void bind_privacy(py::module_& m);

}  // namespace handoff::python
