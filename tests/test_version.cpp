// One source of the version, and one base of every error.
#include <doctest/doctest.h>

#include <handoff/error.hpp>
#include <handoff/version.hpp>
#include <string>

TEST_CASE("the version is the one the macros give, and every handoff error is a runtime_error") {
  const std::string expected = std::to_string(HANDOFF_VERSION_MAJOR) + "." + std::to_string(HANDOFF_VERSION_MINOR) +
                               "." + std::to_string(HANDOFF_VERSION_PATCH);
  CHECK(handoff::version() == expected);
  CHECK_THROWS_AS(throw handoff::error("x"), std::runtime_error);
}
