// SPDX-License-Identifier: MIT
#include "handoff/version.hpp"

#define HANDOFF_STR2(x) #x
#define HANDOFF_STR(x) HANDOFF_STR2(x)

namespace handoff {

std::string_view version() noexcept {
  return HANDOFF_STR(HANDOFF_VERSION_MAJOR) "." HANDOFF_STR(HANDOFF_VERSION_MINOR) "." HANDOFF_STR(
      HANDOFF_VERSION_PATCH);
}

}  // namespace handoff
