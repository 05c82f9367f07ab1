// SPDX-License-Identifier: MIT
// A sentiment analyser written in Python: fn(text, language) -> a score in
// [-1, 1], or a dict with `score` and any of anger, frustration, anxiety,
// urgency. A failure reads as neutral, so a broken analyser never stops a
// conversation.
#include <algorithm>

#include "py_handoff.hpp"

namespace handoff::python {
namespace {

class python_analyzer final : public sentiment_analyzer {
 public:
  explicit python_analyzer(py_callable fn) : fn_(std::move(fn)) {}
  std::string_view name() const noexcept override { return "python"; }
  sentiment analyze(std::string_view raw, const normalized_text&, std::string_view language) const override {
    py::gil_scoped_acquire gil;
    sentiment s;
    try {
      py::object got = fn_(py::str(raw.data(), raw.size()), py::str(language.data(), language.size()));
      auto clamp = [](double v, double lo) { return std::max(lo, std::min(1.0, v)); };
      if (py::isinstance<py::float_>(got) || py::isinstance<py::int_>(got)) {
        s.score = clamp(got.cast<double>(), -1);
      } else {
        auto d = got.cast<py::dict>();
        auto get = [&](const char* key, double lo) { return d.contains(key) ? clamp(d[key].cast<double>(), lo) : 0.0; };
        s.score = get("score", -1);
        s.anger = get("anger", 0);
        s.frustration = get("frustration", 0);
        s.anxiety = get("anxiety", 0);
        s.urgency = get("urgency", 0);
      }
    } catch (py::error_already_set& e) {
      PyErr_WarnEx(PyExc_RuntimeWarning, ("handoff: the sentiment analyser failed: " + describe(e)).c_str(), 1);
    } catch (const py::cast_error&) {
      PyErr_WarnEx(PyExc_RuntimeWarning, "handoff: the sentiment analyser must return a number or a dict", 1);
    }
    return s;
  }

 private:
  py_callable fn_;
};

}  // namespace

std::unique_ptr<sentiment_analyzer> python_sentiment(py_callable fn) {
  return std::make_unique<python_analyzer>(std::move(fn));
}

}  // namespace handoff::python
