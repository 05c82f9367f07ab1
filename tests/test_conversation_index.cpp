// The conversations by id: found, opened once, never moved.
#include <doctest/doctest.h>

#include <string>

#include "engine/conversation_index.hpp"

using namespace handoff;

TEST_CASE("the conversation index opens each conversation once and finds it however many there are") {
  detail::conversation_index index;
  CHECK(index.find("c1") == nullptr);
  detail::conversation& first = index.open("c1");
  CHECK(first.id == "c1");
  CHECK(&index.open("c1") == &first);
  for (int i = 0; i < 10000; ++i) index.open("x" + std::to_string(i));
  CHECK(index.size() == 10001);
  CHECK(index.find("c1") == &first);  // not moved as the index grew
  CHECK(index.find("x9999")->id == "x9999");
  CHECK(index.find("x10000") == nullptr);
  CHECK(index.find("") == nullptr);
  std::size_t seen = 0;
  for (const auto& c : index) seen += !c.id.empty();
  CHECK(seen == 10001);
}
