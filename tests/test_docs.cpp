// The documentation says the truth: its examples are the tested ones.
#include <doctest/doctest.h>

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

TEST_CASE("docs/config.md lists every problem id the checker can report") {
  auto doc = handoff::test::read_file(handoff::test::source_path("docs/config.md"));
  auto source = handoff::test::read_file(handoff::test::source_path("src/config/config.cpp")) +
                handoff::test::read_file(handoff::test::source_path("src/matchers/keywords.cpp")) +
                handoff::test::read_file(handoff::test::source_path("src/matchers/linear.cpp")) +
                handoff::test::read_file(handoff::test::source_path("src/matchers/matcher_registry.cpp"));
  // Ids are written as problem("id", ...), warning("id", ...) or in full.
  for (const char* prefix : {"problem(\"", "warning(\"", "\"handoff.config."}) {
    for (auto pos = source.find(prefix); pos != std::string::npos; pos = source.find(prefix, pos + 1)) {
      auto begin = pos + std::string_view(prefix).size();
      auto id = source.substr(begin, source.find('"', begin) - begin);
      if (id.empty() || id.find(' ') != std::string::npos) continue;
      auto full = id.starts_with("handoff.config.") ? id : "handoff.config." + id;
      if (full == "handoff.config.") continue;
      CAPTURE(full);
      CHECK(doc.find("`" + full + "`") != std::string::npos);
    }
  }
}
