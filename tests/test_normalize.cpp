#include <doctest/doctest.h>

#include <handoff/normalize.hpp>
#include <string>
#include <vector>

using handoff::normalized_text;
using handoff::token_kind;

namespace {

std::vector<std::string> tokens_of(const normalized_text& t) {
  std::vector<std::string> out;
  for (const auto& tok : t.tokens()) out.emplace_back(t.token_text(tok));
  return out;
}

}  // namespace

TEST_CASE("normalisation folds width, case and white space") {
  CHECK(normalized_text("ＶＩＰ").text() == "vip");
  CHECK(normalized_text("  Hello \t\n  WORLD  ").text() == "hello world");
  CHECK(normalized_text("Ｈｅｌｌｏ\u3000Ｗｏｒｌｄ！").text() == "hello world!");
  CHECK(normalized_text("ﬁne").text() == "fine");         // compatibility ligature
  CHECK(normalized_text("Straße").text() == "strasse");   // full case folding
  CHECK(normalized_text("cafe\u0301").text() == "café");  // composed
  CHECK(normalized_text("zero\u200bwidth").text() == "zerowidth");
  CHECK(normalized_text("don\u2019t").text() == "don't");
  CHECK(normalized_text("").text().empty());
  CHECK(normalized_text("   ").text().empty());
  CHECK(normalized_text("转人工！").text() == "转人工!");
  CHECK(handoff::normalize("ＲＥＦＵＮＤ") == "refund");
}

TEST_CASE("ASCII fast path and full path agree") {
  // The same words with and without a non-ASCII character take both paths.
  normalized_text ascii("Where IS my Order? don't   PANIC");
  normalized_text full("Where IS my Order? don't   PANIC é");
  CHECK(std::string(full.text()) == std::string(ascii.text()) + " é");
  auto a = tokens_of(ascii);
  auto f = tokens_of(full);
  f.pop_back();
  CHECK(a == f);
}

TEST_CASE("tokens: words for spaced scripts, characters and bigrams for CJK") {
  SUBCASE("mixed Chinese and English") {
    normalized_text t("我的order在哪");
    CHECK(tokens_of(t) == std::vector<std::string>{"我", "的", "我的", "order", "在", "哪", "在哪"});
    CHECK(t.tokens()[3].kind == token_kind::word);
    CHECK(t.tokens()[2].kind == token_kind::cjk_bigram);
  }
  SUBCASE("punctuation and spaces break CJK bigrams") {
    normalized_text t("退款，人工");
    CHECK(tokens_of(t) == std::vector<std::string>{"退", "款", "退款", "人", "工", "人工"});
  }
  SUBCASE("numbers and apostrophes") {
    normalized_text t("order 12345 isn't here, customers' fault");
    CHECK(tokens_of(t) == std::vector<std::string>{"order", "12345", "isn't", "here", "customers", "fault"});
    CHECK(t.tokens()[1].kind == token_kind::number);
  }
  SUBCASE("kana and hangul") {
    normalized_text t("カナ 한국");
    CHECK(tokens_of(t) == std::vector<std::string>{"カ", "ナ", "カナ", "한", "국", "한국"});
    CHECK(t.scripts().kana == 2);
    CHECK(t.scripts().hangul == 2);
  }
  SUBCASE("emoji only has no content") {
    CHECK(normalized_text("😡😡!!").empty_of_content());
    CHECK_FALSE(normalized_text("ok").empty_of_content());
  }
}

TEST_CASE("invalid UTF-8 becomes U+FFFD and output is always valid") {
  const std::string fffd = "\xEF\xBF\xBD";
  CHECK(handoff::is_valid_utf8("plain"));
  CHECK(handoff::is_valid_utf8("中文 and \xEF\xBF\xBD"));
  CHECK_FALSE(handoff::is_valid_utf8("\xC3"));
  CHECK_FALSE(handoff::is_valid_utf8("\xC0\xAF"));          // overlong
  CHECK_FALSE(handoff::is_valid_utf8("\xED\xA0\x80"));      // surrogate
  CHECK_FALSE(handoff::is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  CHECK(handoff::sanitize_utf8("a\xFFz") == "a" + fffd + "z");
  CHECK(handoff::sanitize_utf8("a\xE4\xB8") == "a" + fffd);  // truncated 中
  CHECK(handoff::sanitize_utf8("\xE4\xB8z") == fffd + "z");
  CHECK(handoff::sanitize_utf8("\xC0\xAF") == fffd + fffd);
  CHECK(handoff::sanitize_utf8("\xED\xA0\x80") == fffd + fffd + fffd);
  CHECK(handoff::sanitize_utf8("中文") == "中文");
  normalized_text t("bad \xFF\xFE bytes \x80 here 中\xE6");
  CHECK(handoff::is_valid_utf8(t.text()));
  CHECK(t.text().find("bytes") != std::string_view::npos);

  // Every byte value in every position: never invalid output, never a crash.
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (int shift = 0; shift < 4; ++shift) {
    normalized_text n(all.substr(static_cast<std::size_t>(shift)));
    CHECK(handoff::is_valid_utf8(n.text()));
    CHECK(handoff::is_valid_utf8(handoff::sanitize_utf8(all.substr(static_cast<std::size_t>(shift)))));
  }
}

TEST_CASE("a normalized_text is reused without leftovers") {
  normalized_text t;
  t.assign("第一条 message");
  t.assign("second");
  CHECK(t.text() == "second");
  CHECK(t.tokens().size() == 1);
  CHECK(t.scripts().han == 0);
}
