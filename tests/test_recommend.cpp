// The built-in recommendation: a repurchase reminder for what is about to
// run out, after a good score.
#include <doctest/doctest.h>

#include <handoff/events.hpp>
#include <handoff/recommend.hpp>

#include "bot/repurchase.hpp"

using namespace handoff;

TEST_CASE("a satisfied customer hears of what they bought that is about to run out, and no one else does") {
  repurchase_settings s;
  s.discount = "10%";
  s.text.set("en", "Your {item} runs out around {runs_out}: {discount} off.");
  customer_info c;
  c.attributes = value::object{
      {"purchases", value::array{value::object{{"item", "serum"}, {"bought_on", "2024-12-10"}, {"lasts_days", 30}},
                                 value::object{{"item", "scarf"}, {"bought_on", "2020-01-01"}, {"lasts_days", 30}}}}};
  const time_point now = *parse_rfc3339("2025-01-06T09:00:00Z");
  auto r = detail::suggest_repurchase(s, {"c1", "en", &c, 5, now}, "en");
  REQUIRE(r);
  CHECK(r->text == "Your serum runs out around 2025-01-09: 10% off.");
  CHECK_FALSE(detail::suggest_repurchase(s, {"c1", "en", &c, 3, now}, "en"));  // an unhappy customer: no pitch
  CHECK_FALSE(detail::suggest_repurchase(s, {"c1", "en", nullptr, 5, now}, "en"));
  customer_info none;
  CHECK_FALSE(detail::suggest_repurchase(s, {"c1", "en", &none, 5, now}, "en"));
  // Long gone: not worth a word.
  CHECK_FALSE(detail::suggest_repurchase(s, {"c1", "en", &c, 5, now + std::chrono::hours(24 * 60)}, "en"));
}
