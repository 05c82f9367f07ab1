// SPDX-License-Identifier: MIT
// The built-in action kinds a configuration declares.
#pragma once

#include <memory>

#include "handoff/actions.hpp"
#include "handoff/config.hpp"

namespace handoff::detail {

/// A `lookup` action's records, read from its file; a missing or malformed
/// file throws `config_error` naming `/actions/NAME/file`.
std::vector<named_values> read_lookup_records(const action_definition& definition);

/// A `lookup` action over a copy of its records (`action_definition::records`,
/// or the file's when the configuration was built by hand), kept in memory
/// with its updates.
action_function make_lookup(const action_definition& definition);

}  // namespace handoff::detail
