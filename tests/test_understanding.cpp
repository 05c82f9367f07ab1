// The first stage of a customer message, on its own: cleaned, redacted,
// its language, what it means and how it sounds.
#include <doctest/doctest.h>

#include "engine/understanding.hpp"
#include "support/builder.hpp"

using namespace handoff;

TEST_CASE("a message is understood from the conversation's language as it stood, with its buffers reused") {
  auto cfg = test::bot_builder{}
                 .queue("general")
                 .intent("refund", {"refund", "退款"}, "Refunds take three days.")
                 .with([](bot_config& c) {
                   c.privacy.redact.push_back({redaction_kind::email, {}, {}, false});
                 })
                 .build();
  auto bot = std::make_shared<const detail::compiled_bot>(cfg, nullptr, nullptr);
  detail::understood_message m;
  m.bot = bot;
  detail::understand("I want a refund, write to li@example.com", bot->builtin_sentiment, m);
  CHECK(m.redacted);
  CHECK(m.clean.find("li@example.com") == std::string::npos);     // kept redacted
  CHECK(m.original.find("li@example.com") != std::string::npos);  // slots are read from the words as written
  CHECK(m.language == "en");
  REQUIRE_FALSE(m.reading.candidates.empty());
  CHECK(cfg.intents[m.reading.candidates[0].intent].id == "refund");

  // The same object, another message: nothing of the last one is left.
  m.language_before = "en";
  m.confident_before = true;
  detail::understand("\xff 退款", bot->builtin_sentiment, m);
  CHECK_FALSE(m.redacted);
  CHECK(m.clean.find("\xff") == std::string::npos);  // valid UTF-8 from here on
  CHECK(m.language == "zh");
  CHECK(m.reading.candidates.size() == 1);
  detail::understand("tell me about the moon", bot->builtin_sentiment, m);
  CHECK(m.reading.candidates.empty());
  CHECK(m.language == "en");
}

TEST_CASE("a conversation's language changes on clear evidence only") {
  std::string language = "zh";
  bool confident = true;
  detail::settle_language({"en", false}, language, confident);  // "ok"
  CHECK(language == "zh");
  detail::settle_language({"en", true}, language, confident);
  CHECK(language == "en");
  std::string none;
  bool unsure = false;
  detail::settle_language({"zh", false}, none, unsure);
  CHECK(none == "zh");
  CHECK_FALSE(unsure);
}
