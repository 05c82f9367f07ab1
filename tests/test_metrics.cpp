// The figures (`engine_metrics`) from what the engine noted as it went.
#include <doctest/doctest.h>

#include "engine/metrics_book.hpp"

using namespace handoff;

TEST_CASE("the metrics book counts handoffs by reason and queue, and summarises waits by their median and p90") {
  detail::metrics_book book;
  detail::conversation_index conversations;
  auto& kept = conversations.open("kept");
  kept.turns = 2;
  kept.feedback_score = 5;
  auto& handed = conversations.open("handed");
  handed.turns = 1;
  handed.handed = true;
  handed.feedback_score = 2;
  conversations.open("silent");  // never said anything: not counted
  book.escalated("vip", "senior");
  book.escalated("customer_request", "general");
  book.escalated("customer_request", "general");
  book.ticketed("outside_hours");
  for (double w : {10.0, 20.0, 30.0, 40.0, 100.0}) book.waited(w);
  book.joined_line();
  book.joined_line();
  book.abandoned();
  book.resolved();

  const auto m = book.figures(conversations);
  CHECK(m.conversations == 2);
  CHECK(m.contained == 1);
  CHECK(m.containment_rate == 0.5);
  CHECK(m.escalations == 3);
  CHECK(m.escalations_by_reason == counts_by_name{{"customer_request", 2}, {"vip", 1}});
  CHECK(m.escalations_by_queue == counts_by_name{{"general", 2}, {"senior", 1}});
  CHECK(m.tickets == 1);
  CHECK(m.wait.count == 5);
  CHECK(m.wait.median_seconds == 30.0);
  CHECK(m.wait.p90_seconds == doctest::Approx(76.0));  // between the 4th and 5th
  CHECK(m.abandonment_rate == 0.5);
  CHECK(m.resolved == 1);
  CHECK(m.feedback == 2);
  CHECK(m.average_score == 3.5);
  CHECK(m.satisfaction == 0.5);
  CHECK(m.scores[4] == 1);
  CHECK(m.first_response.count == 0);
}
