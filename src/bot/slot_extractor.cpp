// SPDX-License-Identifier: MIT
#include "bot/slot_extractor.hpp"

#include <fmt/format.h>
#include <re2/re2.h>

#include <chrono>

#include "handoff/error.hpp"

namespace handoff {

const char* to_string(entity_kind kind) noexcept {
  switch (kind) {
    case entity_kind::pattern: return "pattern";
    case entity_kind::phone: return "phone";
    case entity_kind::email: return "email";
    case entity_kind::date: return "date";
    case entity_kind::number: return "number";
    case entity_kind::text: return "text";
  }
  return "text";
}

namespace detail {
namespace {

// Built-in entities read the normalised text: NFKC has made full-width
// digits ASCII and case folding made letters small. Each pattern is
// compiled once, on first use; RE2 is safe to share between threads.
const RE2& cn_mobile() {
  static const RE2 re(R"((?:^|[^\d+])(?:\+?86[ -]?)?(1[3-9]\d[ -]?\d{4}[ -]?\d{4})(?:\D|$))");
  return re;
}
const RE2& intl_phone() {
  static const RE2 re(R"((\+\d{1,3}(?:[ -]?\d{2,4}){2,5})(?:\D|$))");
  return re;
}
const RE2& email_re() {
  static const RE2 re(R"(([a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}))");
  return re;
}
const RE2& number_re() {
  static const RE2 re(R"((?:^|[^\d.])(-?\d+(?:\.\d+)?))");
  return re;
}
const RE2& full_date() {
  static const RE2 re(R"((\d{4})\s?[-/.年]\s?(\d{1,2})\s?[-/.月]\s?(\d{1,2}))");
  return re;
}
const RE2& month_day() {
  static const RE2 re(R"((\d{1,2})\s?月\s?(\d{1,2})\s?[日号])");
  return re;
}

std::string digits_of(std::string_view s) {
  std::string out;
  for (char ch : s)
    if ((ch >= '0' && ch <= '9') || ch == '+') out += ch;
  return out;
}

std::optional<std::string> iso_date(int y, unsigned m, unsigned d) {
  std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
  if (!ymd.ok()) return std::nullopt;
  return fmt::format("{:04}-{:02}-{:02}", y, m, d);
}

std::optional<std::string> find_date(std::string_view text, time_point today) {
  using namespace std::chrono;
  const year_month_day now{floor<days>(today)};
  int y = 0, m = 0, d = 0;
  if (RE2::PartialMatch(text, full_date(), &y, &m, &d))
    return iso_date(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
  if (RE2::PartialMatch(text, month_day(), &m, &d))
    return iso_date(static_cast<int>(now.year()), static_cast<unsigned>(m), static_cast<unsigned>(d));
  // Longer words first: "day after tomorrow" holds "tomorrow".
  static constexpr std::pair<std::string_view, int> relative[] = {
      {"day after tomorrow", 2}, {"后天", 2}, {"tomorrow", 1}, {"明天", 1}, {"today", 0}, {"今天", 0}};
  for (const auto& [word, ahead] : relative)
    if (text.find(word) != std::string_view::npos) {
      const year_month_day day{floor<days>(today) + days{ahead}};
      return iso_date(static_cast<int>(day.year()), static_cast<unsigned>(day.month()),
                      static_cast<unsigned>(day.day()));
    }
  return std::nullopt;
}

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

}  // namespace

slot_extractor::slot_extractor(const slot_definition& slot) : slot_(&slot) {
  if (slot.entity != entity_kind::pattern) return;
  RE2::Options options;
  options.set_log_errors(false);
  re_ = std::make_unique<RE2>(slot.pattern, options);
  if (re_->ok() && re_->NumberOfCapturingGroups() == 0) re_ = std::make_unique<RE2>("(" + slot.pattern + ")", options);
  if (!re_->ok()) throw error(fmt::format("slot \"{}\": RE2 cannot compile its pattern: {}", slot.name, re_->error()));
}

slot_extractor::slot_extractor(slot_extractor&&) noexcept = default;
slot_extractor::~slot_extractor() = default;

std::optional<std::string> slot_extractor::extract(std::string_view raw, const normalized_text& text, bool asked,
                                                   time_point today) const {
  const std::string_view t = text.text();
  std::string value;
  switch (slot_->entity) {
    case entity_kind::pattern:
      if (RE2::PartialMatch(t, *re_, &value) && !value.empty()) return value;
      return std::nullopt;
    case entity_kind::phone:
      if (RE2::PartialMatch(t, cn_mobile(), &value)) return digits_of(value);
      if (RE2::PartialMatch(t, intl_phone(), &value)) return digits_of(value);
      return std::nullopt;
    case entity_kind::email:
      if (RE2::PartialMatch(t, email_re(), &value)) return value;
      return std::nullopt;
    case entity_kind::number:
      if (RE2::PartialMatch(t, number_re(), &value)) return value;
      return std::nullopt;
    case entity_kind::date: return find_date(t, today);
    case entity_kind::text: {
      // Only an answer to the question, and one with some letters in it.
      if (!asked || text.empty_of_content() || text.tokens().size() < 2) return std::nullopt;
      return std::string(trim(raw));
    }
  }
  return std::nullopt;
}

}  // namespace detail
}  // namespace handoff
