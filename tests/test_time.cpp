#include <doctest/doctest.h>

#include <handoff/time.hpp>

using namespace std::chrono;

TEST_CASE("RFC 3339 times") {
  auto t = handoff::parse_rfc3339("2025-01-06T09:00:00Z");
  REQUIRE(t);
  CHECK(handoff::format_rfc3339(*t) == "2025-01-06T09:00:00Z");
  CHECK(handoff::parse_rfc3339("2025-01-06T17:00:00+08:00") == t);
  CHECK(handoff::parse_rfc3339("2025-01-06T04:30:00-04:30") == t);
  auto frac = handoff::parse_rfc3339("2025-01-06T09:00:00.25Z");
  REQUIRE(frac);
  CHECK(*frac - *t == milliseconds(250));
  CHECK(handoff::format_rfc3339(*frac) == "2025-01-06T09:00:00.250Z");
  CHECK_FALSE(handoff::parse_rfc3339("2025-01-06 09:00"));
  CHECK_FALSE(handoff::parse_rfc3339("2025-02-30T09:00:00Z"));
  CHECK_FALSE(handoff::parse_rfc3339("2025-01-06T25:00:00Z"));
  CHECK_FALSE(handoff::parse_rfc3339("2025-01-06T09:00:00"));
  CHECK_FALSE(handoff::parse_rfc3339("2025-01-06T09:00:00Zjunk"));
  CHECK_FALSE(handoff::parse_rfc3339(""));
}
