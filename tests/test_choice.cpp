// A typed answer to the bot's "which do you mean?": by place, or by a word
// only one choice's label has; anything longer or unclear is left alone.
#include <doctest/doctest.h>

#include <handoff/normalize.hpp>
#include <optional>

#include "text/choice.hpp"

namespace {

std::optional<int> pick(const char* reply, const char* first, const char* second) {
  return handoff::detail::chosen_option(handoff::normalized_text(reply), first, second);
}

}  // namespace

TEST_CASE("a short typed reply names a choice by its place") {
  const char* status = "Check a refund's progress";
  const char* apply = "Apply for a refund";
  CHECK(pick("1", status, apply) == 0);
  CHECK(pick("2", status, apply) == 1);
  CHECK(pick("the first one", status, apply) == 0);
  CHECK(pick("The second one, please", status, apply) == 1);
  CHECK(pick("option 2", status, apply) == 1);
  CHECK(pick("第一个", "查退款进度", "申请退款") == 0);
  CHECK(pick("我选第二个", "查退款进度", "申请退款") == 1);
  CHECK(pick("后者", "查退款进度", "申请退款") == 1);
  CHECK(pick("3", status, apply) == std::nullopt);
}

TEST_CASE("a short typed reply names a choice by a word only its label has") {
  CHECK(pick("查进度", "查退款进度", "申请退款") == 0);
  CHECK(pick("申请", "查退款进度", "申请退款") == 1);
  CHECK(pick("apply for one", "Check a refund's progress", "Apply for a refund") == 1);
  CHECK(pick("progress", "Check a refund's progress", "Apply for a refund") == 0);
  CHECK(pick("checking", "Check a refund's progress", "Apply for a refund") == 0);  // the same word
  CHECK(pick("售后", "申请退款", "售后服务") == 1);
  // A word both labels have tells nothing, nor does one that neither has.
  CHECK(pick("refund", "Check a refund's progress", "Apply for a refund") == std::nullopt);
  CHECK(pick("退款", "查退款进度", "申请退款") == std::nullopt);
  CHECK(pick("thanks", "Check a refund's progress", "Apply for a refund") == std::nullopt);
  // Words of both: unclear.
  CHECK(pick("check or apply", "Check a refund's progress", "Apply for a refund") == std::nullopt);
}

TEST_CASE("a longer message is a message of its own, not an answer to the question") {
  CHECK(pick("how long does it take to check the progress of an order", "Check a refund's progress",
             "Apply for a refund") == std::nullopt);
  CHECK(pick("", "a", "b") == std::nullopt);
  CHECK(pick("\xff\xfe", "a", "b") == std::nullopt);  // ill-formed bytes
  CHECK(pick("1", "", "") == 0);                      // labels missing: a place still names one
}
