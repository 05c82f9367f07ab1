// Transcripts as kept: what the bot and the system say is pooled, what
// people write is their own, and lines come back as written.
#include <doctest/doctest.h>

#include "engine/transcript_store.hpp"

using namespace handoff;

TEST_CASE("the transcript store pools what repeats and hands back every line as it was said") {
  detail::transcript_store store;
  detail::transcript_lines a, b;
  const time_point t = *parse_rfc3339("2025-01-06T09:00:00Z");
  store.add(a, role::bot, "How can I help?", t, {}, "welcome");
  store.add(b, role::bot, "How can I help?", t, {}, "welcome");
  store.add(a, role::customer, "where is my order", t);
  store.add(a, role::system, "assigned to alice", t, "alice");
  CHECK(a[0].shared == b[0].shared);  // one copy for both conversations
  CHECK(a[0].shared != nullptr);
  CHECK(a[1].shared == nullptr);  // a customer's words are theirs
  CHECK(store.name("alice") == a[2].agent);
  CHECK(store.name("") == nullptr);
  const auto entries = detail::transcript_store::entries(a);
  REQUIRE(entries.size() == 3);
  CHECK(entries[0].text == "How can I help?");
  CHECK(entries[0].kind == "welcome");
  CHECK(entries[1].role == role::customer);
  CHECK(entries[1].text == "where is my order");
  CHECK(entries[2].agent == "alice");
  CHECK(entries[2].at == t);
}

TEST_CASE("sentences past the pool's limit stay with their lines, so that the pool cannot grow without end") {
  detail::transcript_store store;
  detail::transcript_lines lines;
  const time_point t{};
  for (std::size_t i = 0; i < detail::transcript_store::sentence_limit + 10; ++i)
    store.add(lines, role::bot, "order " + std::to_string(i) + " has shipped", t);
  CHECK(lines.front().shared != nullptr);
  CHECK(lines.back().shared == nullptr);
  CHECK(lines.back().text() ==
        "order " + std::to_string(detail::transcript_store::sentence_limit + 9) + " has shipped");
}
