// The engine answers a few thousand random but valid event streams
// (customers, agents coming and going, accepts, declines, transfers,
// releases, clock advances, restarts on a store, reloads) with the same
// bytes as the engine whose answers tests/data/differential.golden holds.
//
// The golden file was recorded before the engine was carved into parts;
// it changes only with a change of behaviour, said so in its commit.
// HANDOFF_DIFFERENTIAL_RECORD=FILE writes a new one instead of checking;
// HANDOFF_DIFFERENTIAL_DUMP=SEED prints that stream and its output.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "support/event_stream.hpp"
#include "support/scenario.hpp"

using namespace handoff;

namespace {

// How a seed's stream is run: which bot it starts on, whether the engine
// traces every decision, and whether it keeps its events in a store.
struct stream_case {
  std::uint64_t seed = 0;
  std::size_t config = 0;
  bool trace = false;
  bool store = true;

  explicit stream_case(std::uint64_t s)
      : seed(s), config(static_cast<std::size_t>(s % 2)), trace(s % 5 == 0), store(s % 4 != 3) {}
  std::string run(const test::stream_bots& bots, const std::vector<std::string>& lines) const {
    return test::run_stream(bots, lines, config, trace, store);
  }
};

constexpr std::uint64_t streams = 3000;
// Sanitized builds run ten times slower: they check every fifth stream.
#ifdef HANDOFF_SANITIZED
constexpr std::uint64_t stride = 5;
#else
constexpr std::uint64_t stride = 1;
#endif

std::string stream_text(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

}  // namespace

TEST_CASE("random event streams are answered with the same bytes as before the engine was carved") {
  static const test::stream_bots bots;
  if (const char* seed = std::getenv("HANDOFF_DIFFERENTIAL_DUMP")) {
    const stream_case c(std::stoull(seed));
    const auto lines = test::random_stream(c.seed);
    fmt::print("{}----\n{}", stream_text(lines), c.run(bots, lines));
    return;
  }
  if (const char* record = std::getenv("HANDOFF_DIFFERENTIAL_RECORD")) {
    std::ofstream out(record);
    out << "# seed, and the fnv1a-64 of what the engine answered to its stream (tests/test_differential.cpp)\n";
    for (std::uint64_t s = 1; s <= streams; ++s) {
      const stream_case c(s);
      out << fmt::format("{} {:016x}\n", s, test::fnv1a(c.run(bots, test::random_stream(s))));
    }
    return;
  }
  std::vector<std::pair<std::uint64_t, std::uint64_t>> golden;  // seed, hash
  std::istringstream in(test::read_file(test::source_path("tests/data/differential.golden")));
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    auto& [seed, hash] = golden.emplace_back();
    fields >> seed >> std::hex >> hash;
  }
  REQUIRE(golden.size() == streams);
  std::size_t differ = 0;
  std::string which;  // the first few seeds that differ
  for (const auto& [seed, hash] : golden) {
    if (seed % stride != 0) continue;
    const auto lines = test::random_stream(seed);
    const auto bytes = stream_case(seed).run(bots, lines);
    if (test::fnv1a(bytes) == hash) continue;
    if (differ < 20) which += fmt::format(" {}", seed);
    if (differ++ == 0)
      FAIL_CHECK("stream " << seed << " is answered differently (HANDOFF_DIFFERENTIAL_DUMP=" << seed
                           << " prints it); the stream:\n"
                           << stream_text(lines) << "\nits output now:\n"
                           << bytes);
  }
  CHECK_MESSAGE(differ == 0,
                differ << " of " << golden.size() / stride << " streams are answered differently, first" << which);
}
