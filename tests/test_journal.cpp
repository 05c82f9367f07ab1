// What host callbacks answered, kept with each event: typed in the engine,
// JSON in the store, and read back the same.
#include <doctest/doctest.h>

#include "engine/journal.hpp"
#include "protocol/records.hpp"

using namespace handoff;

TEST_CASE("the journal records live effects and hands them back in order when the event is replayed") {
  detail::journal j;
  j.start(false);
  j.record(detail::slot_values{{{"order_number", "20250106001"}}});
  CHECK(j.recorded().empty());  // no store: nothing to keep
  j.start(true);
  j.record(detail::slot_values{{{"order_number", "20250106001"}}});
  j.record(detail::action_outcome{"shipped", {{"status", "shipped"}}, ""});
  CHECK(j.recorded().size() == 2);
  CHECK_FALSE(j.replaying());

  j.replay({detail::slot_values{{{"order_number", "[redacted]"}}}, detail::action_outcome{"shipped", {}, ""}});
  CHECK(j.replaying());
  // Asked for what is not next (the configuration changed): nothing, and
  // what is next stays next.
  CHECK(j.next<detail::action_outcome>() == nullptr);
  const auto* slots = j.next<detail::slot_values>();
  REQUIRE(slots);
  CHECK(slots->values[0].second == "[redacted]");
  CHECK(j.next<detail::action_outcome>()->outcome == "shipped");
  CHECK(j.next<detail::action_outcome>() == nullptr);  // all read
  j.stop();
  CHECK_FALSE(j.replaying());
}

TEST_CASE("stored events keep their effects as JSON and come back as they went in") {
  const time_point t = *parse_rfc3339("2025-01-06T09:00:00Z");
  recommendation r{"Buy it again for 10% off", {{"Buy", "buy"}}};
  const std::vector<detail::effect> effects{detail::slot_values{{{"order_number", "20250106001"}}},
                                            detail::action_outcome{"found", {{"status", "shipped"}}, ""},
                                            detail::recommendation_outcome{std::nullopt, r},
                                            detail::recommendation_outcome{"the recommender failed", std::nullopt}};
  auto kept = detail::encode_event(in::customer_message{"c1", "where is my order", std::nullopt, "m1", "web"}, t, "c1",
                                   effects);
  CHECK(kept.conversation == "c1");
  CHECK(kept.at == t);
  // The layout stores written before the journal was typed have.
  CHECK(
      kept.effects ==
      R"([{"kind":"slots","values":[["order_number","20250106001"]]},)"
      R"({"failure":"","kind":"action","outcome":"found","values":{"status":"shipped"}},)"
      R"({"kind":"recommendation","quick_replies":[{"label":"Buy","value":"buy"}],"text":"Buy it again for 10% off"},)"
      R"({"failure":"the recommender failed","kind":"recommendation"}])");
  const auto back = detail::decode_event(kept);
  CHECK(std::get<in::customer_message>(back.event).text == "where is my order");
  REQUIRE(back.effects.size() == 4);
  CHECK(std::get<detail::slot_values>(back.effects[0]).values == std::get<detail::slot_values>(effects[0]).values);
  CHECK(std::get<detail::action_outcome>(back.effects[1]).outcome == "found");
  CHECK(std::get<detail::recommendation_outcome>(back.effects[2]).suggestion->text == r.text);
  CHECK(std::get<detail::recommendation_outcome>(back.effects[3]).failure == "the recommender failed");

  // What something else wrote: an event that is none is refused, effects
  // that are none are read as nothing a replay takes.
  kept.effects = R"([{"kind":"slots","values":"no"}, 7, {"kind":"teleport"}])";
  const auto odd = detail::decode_event(kept);
  REQUIRE(odd.effects.size() == 3);
  CHECK(std::get<detail::slot_values>(odd.effects[0]).values.empty());
  CHECK(std::holds_alternative<detail::unreadable_effect>(odd.effects[1]));
  CHECK(std::holds_alternative<detail::unreadable_effect>(odd.effects[2]));
  kept.effects = "not json";
  CHECK(detail::decode_event(kept).effects.empty());
  kept.event = R"({"type":"teleport"})";
  CHECK_THROWS_AS(detail::decode_event(kept), store_error);
}
