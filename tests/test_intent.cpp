// The matcher interface: one reading of a message into what the caller
// owns.
#include <doctest/doctest.h>

#include <filesystem>
#include <handoff/handoff.hpp>

#include "support/matchers.hpp"
#include "support/scenario.hpp"

using namespace handoff;

TEST_CASE("a reading belongs to its caller: interleaved messages and matchers built anew read as fresh ones do") {
  const auto& cfg = test::shop_config();
  auto m = matcher_registry{}.create("ensemble", cfg);
  const std::vector<std::string_view> texts = {"hello, who invented the telephone", "where is my order", "面霜咋保存",
                                               "translate hello into french", "维修要多久"};
  // Each message read alone, in a reading of its own.
  std::vector<intent_reading> fresh(texts.size());
  for (std::size_t i = 0; i < texts.size(); ++i) m->read(normalized_text(texts[i]), "", fresh[i]);
  auto same = [](const intent_reading& a, const intent_reading& b) {
    if (a.candidates.size() != b.candidates.size() || a.near.has_value() != b.near.has_value()) return false;
    for (std::size_t k = 0; k < a.candidates.size(); ++k)
      if (a.candidates[k].intent != b.candidates[k].intent || a.candidates[k].confidence != b.candidates[k].confidence)
        return false;
    return !a.near || (a.near->intent == b.near->intent && a.near->closeness == b.near->closeness);
  };
  // One reading for all of them, twice round, by this matcher and by one
  // built after it (as a reload does): nothing of one message or one matcher
  // leaks into the next.
  intent_reading shared;
  auto again = matcher_registry{}.create("ensemble", cfg);
  for (int round = 0; round < 2; ++round)
    for (std::size_t i = texts.size(); i-- > 0;) {
      CAPTURE(texts[i]);
      (round == 0 ? *m : *again).read(normalized_text(texts[i]), "", shared);
      CHECK(same(shared, fresh[i]));
    }
  // The near miss is there for a message nothing fits, and not otherwise.
  CHECK(fresh[2].candidates.empty());
  CHECK(fresh[2].near.has_value());
  CHECK_FALSE(fresh[1].candidates.empty());
  CHECK_FALSE(fresh[1].near.has_value());
}

TEST_CASE("matchers keep nothing per thread and nothing global: what they need lives in the caller's reading") {
  namespace fs = std::filesystem;
  std::size_t read = 0;
  for (const auto& entry : fs::directory_iterator(test::source_path("src/matchers"))) {
    const auto source = test::read_file(entry.path().string());
    CAPTURE(entry.path().string());
    REQUIRE_FALSE(source.empty());
    ++read;
    CHECK(source.find("thread_local") == std::string::npos);
    CHECK(source.find("std::atomic") == std::string::npos);
    CHECK(source.find("static std::") == std::string::npos);
  }
  CHECK(read >= 10);
}
