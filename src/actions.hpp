// SPDX-License-Identifier: MIT
// The built-in action kinds a configuration declares.
#pragma once

#include <memory>

#include "handoff/actions.hpp"
#include "handoff/config.hpp"

namespace handoff::detail {

/// A `lookup` action: its records are read when the engine is built (a
/// missing or malformed file throws `config_error` naming `/actions/NAME/file`)
/// and kept in memory, with its updates.
action_function make_lookup(const action_definition& definition);

}  // namespace handoff::detail
