// The documentation says the truth: its examples are the tested ones.
#include <doctest/doctest.h>

#include <algorithm>

#include "config/problems.hpp"
#include "support/scenario.hpp"

TEST_CASE("the README's embedding example is examples/embed/main.cpp") {
  auto readme = handoff::test::read_file(handoff::test::source_path("README.md"));
  auto start = readme.find("```cpp\n");
  REQUIRE(start != std::string::npos);
  start += 7;
  auto end = readme.find("```", start);
  auto block = readme.substr(start, end - start);
  auto example = handoff::test::read_file(handoff::test::source_path("examples/embed/main.cpp"));
  example = example.substr(example.find('\n') + 1);  // its first line is a comment
  CHECK(block == example);
  std::size_t lines = 0;
  for (char c : block) lines += c == '\n';
  CHECK(lines <= 10);
}

TEST_CASE("docs/config.md describes every problem id of the one list, and no other") {
  auto doc = handoff::test::read_file(handoff::test::source_path("docs/config.md"));
  REQUIRE_FALSE(doc.empty());
  for (auto id : handoff::detail::problem_names) {
    CAPTURE(id);
    CHECK(doc.find("| `" + std::string(id) + "` |") != std::string::npos);
  }
  // Every id the page names is one of the list.
  const std::string prefix = "`handoff.config.";
  for (auto pos = doc.find(prefix); pos != std::string::npos; pos = doc.find(prefix, pos + 1)) {
    const auto end = doc.find('`', pos + 1);
    const auto id = doc.substr(pos + 1, end - pos - 1);
    CAPTURE(id);
    CHECK(std::find(handoff::detail::problem_names.begin(), handoff::detail::problem_names.end(), id) !=
          handoff::detail::problem_names.end());
  }
  // No source spells an id out instead of taking it from the list.
  for (const char* file : {"src/config/config.cpp", "src/matchers/keywords.cpp", "src/matchers/linear.cpp",
                           "src/matchers/matcher_registry.cpp", "src/bot/actions.cpp", "src/engine/compiled_bot.cpp"}) {
    auto source = handoff::test::read_file(handoff::test::source_path(file));
    CAPTURE(file);
    REQUIRE_FALSE(source.empty());
    CHECK(source.find("\"handoff.config.") == std::string::npos);
  }
}
