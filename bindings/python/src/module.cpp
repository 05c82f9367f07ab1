// SPDX-License-Identifier: MIT
// The Python module `handoff._handoff`: one bind_<header> per handoff header
// it exposes (py_<header>.cpp), re-exported by the `handoff` package.
#include <handoff/error.hpp>
#include <handoff/protocol.hpp>
#include <handoff/store.hpp>
#include <handoff/version.hpp>

#include "py_handoff.hpp"

namespace handoff::python {

void bind_error(py::module_& m) {
  // Every handoff error is a handoff.Error (a RuntimeError); store errors
  // are handoff.StoreError, a kind of it.
  static py::exception<handoff::error> error_type(m, "Error", PyExc_RuntimeError);
  static py::exception<store_error> store_error_type(m, "StoreError", error_type.ptr());
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const store_error& e) {
      PyErr_SetString(store_error_type.ptr(), e.what());
    } catch (const handoff::error& e) {
      PyErr_SetString(error_type.ptr(), e.what());
    }
  });
}

}  // namespace handoff::python

PYBIND11_MODULE(_handoff, m) {
  using namespace handoff::python;
  m.doc() = "handoff: the bot side of customer support, and the handoff to a human";
  m.attr("__version__") = std::string(handoff::version());
  m.attr("protocol_version") = handoff::protocol_version;
  bind_error(m);
  bind_intent(m);
  bind_store(m);
  bind_engine(m);
  bind_linear_model(m);
  bind_privacy(m);
}
