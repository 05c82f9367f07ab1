// A text in each of the bot's languages.
#include <doctest/doctest.h>

#include <handoff/localized_text.hpp>

using namespace handoff;

TEST_CASE("a localized text answers in the language asked, else the default, else the first it has") {
  localized_text t;
  CHECK(t.empty());
  CHECK(t.get("en", "zh").empty());
  t.set("zh", "你好");
  t.set("en", "Hello");
  CHECK(t.get("en", "zh") == "Hello");
  CHECK(t.get("fr", "zh") == "你好");  // the default
  CHECK(t.get("fr", "de") == "你好");  // the first given
  t.set("en", "Hi");                   // set again: replaced
  CHECK(t.get("en", "zh") == "Hi");
  CHECK(t.all().size() == 2);
  localized_text every;
  every.set("", "OK");  // one string for every language
  CHECK(every.get("en", "zh") == "OK");
}
