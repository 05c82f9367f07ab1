// SPDX-License-Identifier: MIT
// Redaction in Python.
#include <pybind11/stl.h>

#include <handoff/privacy.hpp>

#include "py_handoff.hpp"

namespace handoff::python {

void bind_privacy(py::module_& m) {
  m.def(
      "redact",
      [](const std::string& text, const std::vector<std::string>& kinds) {
        std::vector<redaction_rule> rules;
        for (const auto& k : kinds) {
          redaction_rule r;
          if (k == "card")
            r.kind = redaction_kind::card;
          else if (k == "email")
            r.kind = redaction_kind::email;
          else if (k == "phone")
            r.kind = redaction_kind::phone;
          else if (k == "cn_id")
            r.kind = redaction_kind::cn_id;
          else
            throw py::value_error("unknown kind \"" + k + "\": card, email, phone or cn_id");
          rules.push_back(r);
        }
        return redactor(rules).redact(text);
      },
      py::arg("text"), py::arg("kinds") = std::vector<std::string>{"card", "email", "phone", "cn_id"},
      "The text with card numbers, e-mail addresses, phone numbers and ID numbers redacted");
}

}  // namespace handoff::python
