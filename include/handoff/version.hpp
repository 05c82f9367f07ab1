// handoff: the bot side of customer support, and the handoff to a human.
// SPDX-License-Identifier: MIT
#pragma once

#include <string_view>

// The one place the version is written; CMake reads it from here.
#define HANDOFF_VERSION_MAJOR 0
#define HANDOFF_VERSION_MINOR 1
#define HANDOFF_VERSION_PATCH 0

namespace handoff {

/// The version of the library that was linked, as "MAJOR.MINOR.PATCH".
///
/// Compare it with the `HANDOFF_VERSION_*` macros to tell the headers that
/// were compiled against from the library that runs.
std::string_view version() noexcept;

}  // namespace handoff
