#include <doctest/doctest.h>

#include <handoff/language.hpp>
#include <string>
#include <vector>

using handoff::detect_language;
using handoff::normalized_text;

TEST_CASE("language detection between Chinese and English") {
  const std::vector<std::string> langs{"zh", "en"};
  CHECK(detect_language(normalized_text("我的订单在哪里"), langs).language == "zh");
  CHECK(detect_language(normalized_text("where is my order"), langs).language == "en");
  CHECK(detect_language(normalized_text("我的order在哪"), langs).language == "zh");
  CHECK(detect_language(normalized_text("我要refund"), langs).language == "zh");
  CHECK(detect_language(normalized_text("ＨＥＬＬＯ there"), langs).language == "en");
  auto digits = detect_language(normalized_text("12345678"), langs);
  CHECK(digits.language.empty());
  CHECK_FALSE(digits.confident);
  CHECK_FALSE(detect_language(normalized_text("ok"), langs).confident);
  CHECK(detect_language(normalized_text("where is it"), langs).confident);
}

TEST_CASE("language detection picks among the configured tags") {
  const std::vector<std::string> regional{"en-US", "zh-CN"};
  CHECK(detect_language(normalized_text("你好"), regional).language == "zh-CN");
  CHECK(detect_language(normalized_text("hello there"), regional).language == "en-US");
  const std::vector<std::string> english_only{"en"};
  CHECK(detect_language(normalized_text("你好"), english_only).language.empty());
  const std::vector<std::string> with_japanese{"zh", "ja", "en"};
  CHECK(detect_language(normalized_text("ありがとう"), with_japanese).language == "ja");
}

TEST_CASE("BCP 47 helpers") {
  const std::vector<std::string> langs{"zh", "en"};
  CHECK(handoff::primary_language("zh-CN") == "zh");
  CHECK(handoff::primary_language("en") == "en");
  CHECK(handoff::best_language("zh-TW", langs) == "zh");
  CHECK(handoff::best_language("EN", langs) == "en");
  CHECK(handoff::best_language("fr", langs).empty());
}
