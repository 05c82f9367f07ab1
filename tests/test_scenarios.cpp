// Protocol scenarios as files: tests/scenarios/NAME.in.jsonl is fed to the
// demo bot and the output must match NAME.out.jsonl event by event (each
// expected object a subset of the actual one).
#include <doctest/doctest.h>

#include <filesystem>

#include "support/scenario.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

TEST_CASE("protocol scenarios") {
  auto dir = fs::path(handoff::test::source_path("tests/scenarios"));
  std::vector<fs::path> inputs;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().string().ends_with(".in.jsonl")) inputs.push_back(entry.path());
  std::sort(inputs.begin(), inputs.end());
  REQUIRE(inputs.size() >= 5);
  for (const auto& input : inputs) {
    auto name = input.filename().string();
    name = name.substr(0, name.size() - std::string(".in.jsonl").size());
    SUBCASE(name.c_str()) {
      auto actual = handoff::test::run_script(handoff::test::shop_config(), handoff::test::read_file(input.string()));
      std::vector<json> expected;
      std::istringstream lines(handoff::test::read_file((dir / (name + ".out.jsonl")).string()));
      for (std::string line; std::getline(lines, line);)
        if (!line.empty()) expected.push_back(json::parse(line));
      std::string all;
      for (const auto& a : actual) all += a.dump() + "\n";
      INFO("actual output:\n" << all);
      REQUIRE(actual.size() == expected.size());
      for (std::size_t i = 0; i < expected.size(); ++i) {
        std::string where;
        INFO("event " << i);
        CHECK_MESSAGE(handoff::test::json_subset(expected[i], actual[i], where), where);
      }
    }
  }
}
