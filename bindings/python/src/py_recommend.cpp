// SPDX-License-Identifier: MIT
// A recommender written in Python: fn(request) -> None | text | {text, quick_replies}.
#include <handoff/error.hpp>

#include "py_handoff.hpp"

namespace handoff::python {

recommender_function python_recommender(py_callable fn) {
  return [fn](const recommendation_request& r) -> std::optional<recommendation> {
    py::gil_scoped_acquire gil;
    try {
      py::dict d;
      d["conversation"] = std::string(r.conversation);
      d["language"] = std::string(r.language);
      d["score"] = r.score;
      if (r.customer) d["customer_id"] = r.customer->id;
      py::object got = fn(d);
      if (got.is_none()) return std::nullopt;
      recommendation rec;
      if (py::isinstance<py::str>(got)) {
        rec.text = got.cast<std::string>();
        return rec;
      }
      auto g = got.cast<py::dict>();
      rec.text = py::str(g["text"]).cast<std::string>();
      if (g.contains("quick_replies"))
        for (auto q : g["quick_replies"])
          rec.quick_replies.push_back(
              {py::str(q["label"]).cast<std::string>(), py::str(q["value"]).cast<std::string>()});
      return rec;
    } catch (py::error_already_set& e) {
      throw handoff::error(describe(e));
    } catch (const py::cast_error& e) {
      throw handoff::error(std::string("the recommender must return None, a text, or a dict with `text`: ") + e.what());
    }
  };
}

}  // namespace handoff::python
