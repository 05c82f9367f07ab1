// SPDX-License-Identifier: MIT
// Intent matchers written in Python: a subclass of handoff.IntentMatcher
// (a trampoline over the C++ interface) or a scoring function.
#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>
#include <handoff/intent.hpp>
#include <handoff/matcher_registry.hpp>
#include <handoff/matchers/scored.hpp>

#include "py_handoff.hpp"

namespace handoff::python {
namespace {

// What a Python class derived from handoff.IntentMatcher is to C++: its
// `read(text, language)` gives {intent id: confidence}; each intent of the
// bot it names with a confidence above 0 is a candidate.
class python_matcher : public intent_matcher {
 public:
  std::string_view name() const noexcept override { return name_; }

  // The bot's intents, which the candidates' ids are found among, and the
  // name the configuration gives it: set by the engine that uses it.
  void set_up(std::string name, std::span<const intent_definition> intents) {
    name_ = std::move(name);
    ids_.clear();
    for (const auto& i : intents) ids_.push_back(i.id);
  }

 protected:
  void read_message(const normalized_text& text, std::string_view language, intent_reading& reading) const override {
    py::gil_scoped_acquire gil;
    try {
      py::function read = py::get_override(static_cast<const intent_matcher*>(this), "read");
      if (!read) return;
      py::object got = read(py::str(text.text().data(), text.text().size()), py::str(language.data(), language.size()));
      if (got.is_none()) return;
      for (auto [key, value] : got.cast<py::dict>()) {
        const auto id = key.cast<std::string>();
        const double confidence = std::clamp(value.cast<double>(), 0.0, 1.0);  // NaN stays NaN, and is no candidate
        const auto at = std::find(ids_.begin(), ids_.end(), id);
        if (at != ids_.end() && confidence > 0)
          reading.candidates.push_back({static_cast<std::uint32_t>(at - ids_.begin()), confidence, false});
      }
    } catch (py::error_already_set& e) {
      // No opinion from a failed matcher: the others decide.
      reading.candidates.clear();
      PyErr_WarnEx(PyExc_RuntimeWarning, ("handoff: the matcher failed: " + describe(e)).c_str(), 1);
    } catch (const py::cast_error&) {
      reading.candidates.clear();
      PyErr_WarnEx(PyExc_RuntimeWarning, "handoff: a matcher must return {intent: confidence}", 1);
    }
  }

 private:
  std::string name_ = "python";
  std::vector<std::string> ids_;
};

// The engine's matcher for a Python one: keeps the Python object alive.
class held_matcher final : public intent_matcher {
 public:
  explicit held_matcher(py::object object)
      : object_(new py::object(std::move(object)),
                [](py::object* p) {
                  py::gil_scoped_acquire gil;
                  delete p;
                }),
        target_(dynamic_cast<python_matcher*>(object_->cast<intent_matcher*>())) {}
  std::string_view name() const noexcept override { return target_->name(); }

 protected:
  void read_message(const normalized_text& text, std::string_view language, intent_reading& reading) const override {
    target_->read(text, language, reading);
  }

 private:
  std::shared_ptr<py::object> object_;
  python_matcher* target_;
};

// A scoring function: fn(text, language) -> {intent id: score}, with a
// threshold, and perhaps judging scope.
matcher_factory scored_factory(const std::string& id, py_callable score, double threshold, bool judges_scope) {
  return [score, id, threshold, judges_scope](const matcher_setup& s) -> std::unique_ptr<intent_matcher> {
    std::vector<std::string> intents;
    for (const auto& i : s.intents) intents.push_back(i.id);
    return std::make_unique<scored_matcher>(
        id, intents.size(),
        [score, intents](std::string_view text, std::string_view language, std::span<double> scores) {
          py::gil_scoped_acquire gil;
          try {
            auto got =
                score(py::str(text.data(), text.size()), py::str(language.data(), language.size())).cast<py::dict>();
            for (std::size_t i = 0; i < intents.size() && i < scores.size(); ++i)
              if (got.contains(intents[i])) scores[i] = got[py::str(intents[i])].cast<double>();
          } catch (py::error_already_set& e) {
            // No opinion from a failed matcher: the others decide. (The
            // exception tells the scored matcher so; all zeros would be an
            // opinion: that nothing fits.)
            PyErr_WarnEx(PyExc_RuntimeWarning, ("handoff: the matcher failed: " + describe(e)).c_str(), 1);
            throw std::runtime_error("matcher failed");
          } catch (const py::cast_error&) {
            PyErr_WarnEx(PyExc_RuntimeWarning, "handoff: a matcher must return {intent: score}", 1);
            throw std::runtime_error("matcher failed");
          }
        },
        threshold, judges_scope);
  };
}

}  // namespace

void add_python_matcher(matcher_registry& registry, const std::string& id, const py::handle& spec) {
  if (py::isinstance<intent_matcher>(spec)) {
    py::object object = py::reinterpret_borrow<py::object>(spec);
    if (!dynamic_cast<python_matcher*>(object.cast<intent_matcher*>()))
      throw py::type_error("matcher " + id + ": not a handoff.IntentMatcher of Python's");
    registry.add(id, [object, id](const matcher_setup& s) -> std::unique_ptr<intent_matcher> {
      py::gil_scoped_acquire gil;
      dynamic_cast<python_matcher*>(object.cast<intent_matcher*>())->set_up(id, s.intents);
      return std::make_unique<held_matcher>(object);
    });
    return;
  }
  // A function, or {"score": fn, "threshold": 0.5, "judges_scope": False}.
  double threshold = 0.5;
  bool judges_scope = false;
  py::object fn = py::reinterpret_borrow<py::object>(spec);
  if (py::isinstance<py::dict>(spec)) {
    auto d = spec.cast<py::dict>();
    for (auto [key, value] : d) {
      const auto k = py::str(key).cast<std::string>();
      if (k != "score" && k != "threshold" && k != "judges_scope")
        throw py::value_error("matcher " + id + ": unknown key " + k + " (expected score, threshold, judges_scope)");
    }
    if (!d.contains("score")) throw py::value_error("matcher " + id + ": needs \"score\", a function");
    fn = d["score"];
    if (d.contains("threshold")) threshold = d["threshold"].cast<double>();
    if (d.contains("judges_scope")) judges_scope = d["judges_scope"].cast<bool>();
    if (!(threshold >= 0 && threshold <= 1)) throw py::value_error("matcher " + id + ": threshold must be from 0 to 1");
  }
  if (!PyCallable_Check(fn.ptr()))
    throw py::type_error("matcher " + id + ": not a function, a dict or a handoff.IntentMatcher");
  registry.add(id, scored_factory(id, py_callable(fn.cast<py::function>()), threshold, judges_scope));
}

void bind_intent(py::module_& m) {
  py::class_<intent_matcher, python_matcher>(
      m, "IntentMatcher",
      "An intent matcher written in Python: derive from it and define read(self, text, language) -> {intent id: "
      "confidence in [0, 1]}; name it in Engine(matchers={name: instance}) and in the configuration's "
      "understanding.matchers. One instance serves one engine. It runs outside the engine's lock, with the GIL.")
      .def(py::init<>())
      .def_property_readonly("name", [](const intent_matcher& self) { return std::string(self.name()); });
}

}  // namespace handoff::python
