// The protocol's events as C++ types: their names, and the names of their
// enumerations both ways.
#include <doctest/doctest.h>

#include <handoff/events.hpp>
#include <handoff/transcript.hpp>

using namespace handoff;

TEST_CASE("events and their enumerations say the protocol's names") {
  CHECK(type_name(input_event{in::customer_message{}}) == "customer_message");
  CHECK(type_name(input_event{in::agent_release{}}) == "agent_release");
  CHECK(type_name(input_event{in::advance{}}) == "advance");
  CHECK(type_name(output_event{out::bot_message{}}) == "bot_message");
  CHECK(type_name(output_event{out::handed_back{}}) == "handed_back");
  CHECK(type_name(output_event{out::error{}}) == "error");
  for (auto p : {priority::low, priority::normal, priority::high, priority::urgent})
    CHECK(parse_priority(to_string(p)) == p);
  CHECK_FALSE(parse_priority("asap"));
  CHECK(priority::urgent > priority::high);  // the router serves higher first
  CHECK(to_string(agent_status_kind::away) == "away");
  CHECK(to_string(release_outcome::to_bot) == "to_bot");
  CHECK(to_string(role::system) == "system");
  CHECK(customer_info{"u1", "Li", "vip", "zh", {}} == customer_info{"u1", "Li", "vip", "zh", {}});
}
