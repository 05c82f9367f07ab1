// SPDX-License-Identifier: MIT
// The statistical matcher's model in Python: training, predictions,
// calibration and files.
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <algorithm>
#include <handoff/matchers/linear_model.hpp>

#include "py_handoff.hpp"

namespace handoff::python {
namespace {

std::vector<labelled_text> examples_from(const py::iterable& items) {
  std::vector<labelled_text> out;
  for (auto item : items) {
    auto pair = item.cast<py::sequence>();
    if (pair.size() != 2) throw py::value_error("each example is a (text, label) pair");
    out.push_back({pair[0].cast<std::string>(), pair[1].cast<std::string>()});
  }
  return out;
}

py::dict prediction_dict(const linear_model& m, const linear_prediction& p) {
  py::dict d;
  d["label"] = m.labels()[p.label];
  d["confidence"] = p.confidence;
  d["runner_up"] = m.labels()[p.runner_up];
  d["runner_up_confidence"] = p.runner_up_confidence;
  d["margin"] = p.margin;
  d["in_scope"] = p.confidence >= m.threshold();
  return d;
}

}  // namespace

void bind_linear_model(py::module_& m) {
  py::class_<linear_model>(m, "Model", "The statistical intent matcher")
      .def_static(
          "train",
          [](const py::iterable& examples, const py::iterable& out_of_scope, std::uint32_t seed, int epochs,
             float feature_dropout) {
            auto data = examples_from(examples);
            std::vector<std::string> outside;
            for (const auto& text : out_of_scope) outside.push_back(py::cast<std::string>(text));
            linear_options o;
            o.seed = seed;
            if (epochs > 0) o.epochs = epochs;
            if (feature_dropout >= 0) o.feature_dropout = feature_dropout;
            py::gil_scoped_release nogil;
            return linear_model::train(data, outside, o);
          },
          py::arg("examples"), py::arg("out_of_scope") = py::list(), py::arg("seed") = 1, py::arg("epochs") = 0,
          py::arg("feature_dropout") = -1.0f,
          "Trains on (text, label) pairs, and texts that belong to no label; deterministic for a seed")
      .def(
          "calibrate",
          [](linear_model& model, const py::iterable& held_back) {
            auto data = examples_from(held_back);
            py::gil_scoped_release nogil;
            model.calibrate(data);
          },
          py::arg("held_back"),
          "Fits the confidence on held-back (text, label) pairs; a label the model does not know counts as out of "
          "scope")
      .def_property_readonly("labels", &linear_model::labels)
      .def_property("threshold", &linear_model::threshold, &linear_model::set_threshold)
      .def_property("bias_scale", &linear_model::bias_scale, &linear_model::set_bias_scale,
                    "How much of each label's learnt bias predictions use, from 1 (as trained) to 0 (outside, the "
                    "nearest end); calibrate again after changing it")
      .def(
          "unknown_share",
          [](const linear_model& model, const std::string& text) { return model.unknown_share(normalized_text(text)); },
          py::arg("text"), "The share of the message's words (a Han character counts as one) the model never learnt")
      .def(
          "predict",
          [](const linear_model& model, const std::string& text) {
            linear_prediction p;
            {
              py::gil_scoped_release nogil;
              p = model.predict(normalized_text(text));
            }
            return prediction_dict(model, p);
          },
          py::arg("text"))
      .def(
          "probabilities",
          [](const linear_model& model, const std::string& text) {
            std::vector<float> out(model.labels().size());
            {
              py::gil_scoped_release nogil;
              model.probabilities(normalized_text(text), out);
            }
            return out;
          },
          py::arg("text"),
          "Every label's share of the softmax, in the order of `labels`: how the labels compare for this message, "
          "not the chance that the best is right")
      .def(
          "predict_many",
          [](const linear_model& model, const std::vector<std::string>& texts) {
            std::vector<linear_prediction> out(texts.size());
            {
              py::gil_scoped_release nogil;
              std::vector<normalized_text> norm;
              norm.reserve(texts.size());
              for (const auto& t : texts) norm.emplace_back(t);
              model.predict(std::span<const normalized_text>(norm), std::span<linear_prediction>(out));
            }
            py::list result;
            for (const auto& p : out) result.append(prediction_dict(model, p));
            return result;
          },
          py::arg("texts"), "Many at once, faster than one at a time")
      .def(
          "evaluate",
          [](const linear_model& model, const py::iterable& examples) {
            auto data = examples_from(examples);
            std::size_t right = 0, in_scope = 0, oos = 0, oos_caught = 0;
            {
              py::gil_scoped_release nogil;
              const auto& labels = model.labels();
              linear_scratch scratch;
              for (const auto& e : data) {
                auto p = model.predict(normalized_text(e.text), scratch);
                const bool known = std::find(labels.begin(), labels.end(), e.label) != labels.end();
                const bool accepted = p.confidence >= model.threshold();
                if (known) {
                  ++in_scope;
                  right += accepted && labels[p.label] == e.label;
                } else {
                  ++oos;
                  oos_caught += !accepted;
                }
              }
            }
            py::dict d;
            d["in_scope_accuracy"] = in_scope ? py::object(py::float_(double(right) / double(in_scope))) : py::none();
            d["oos_recall"] = oos ? py::object(py::float_(double(oos_caught) / double(oos))) : py::none();
            d["in_scope"] = in_scope;
            d["out_of_scope"] = oos;
            return d;
          },
          py::arg("examples"),
          "In-scope accuracy and out-of-scope recall on (text, label) pairs at the model's threshold; a label the "
          "model does not know is out of scope")
      .def("save", [](const linear_model& model, const std::filesystem::path& path) { model.save(path); })
      .def_static("load", [](const std::filesystem::path& path) { return linear_model::load(path); });
}

}  // namespace handoff::python
