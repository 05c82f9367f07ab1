// The host's actions by name, and what an action is asked.
#include <doctest/doctest.h>

#include <handoff/actions.hpp>

using namespace handoff;

TEST_CASE("actions are found by name, and the host's replace those of the same name") {
  action_registry actions;
  CHECK_FALSE(actions.contains("order_lookup"));
  actions.add("order_lookup", [](const action_request&) { return action_result{"found", {}}; });
  actions.add("book", [](const action_request& r) { return action_result{std::string(r.slot("day")), {}}; });
  actions.add("order_lookup", [](const action_request&) { return action_result{"not_found", {}}; });
  REQUIRE(actions.find("order_lookup"));
  CHECK((*actions.find("order_lookup"))({}).outcome == "not_found");
  CHECK(actions.find("nothing") == nullptr);

  const named_values slots{{"day", "2025-01-07"}, {"time", "10:00"}};
  const action_request request{"c1", "booking", "en", nullptr, &slots};
  CHECK((*actions.find("book"))(request).outcome == "2025-01-07");
  CHECK(request.slot("time") == "10:00");
  CHECK(request.slot("place").empty());
  CHECK(action_request{}.slot("day").empty());  // no slots at all
  CHECK(action_result{}.outcome == "done");
}
