// SPDX-License-Identifier: MIT
#include "bot/repurchase.hpp"

#include <fmt/format.h>

#include "text/placeholders.hpp"

namespace handoff::detail {

std::optional<recommendation> suggest_repurchase(const repurchase_settings& settings,
                                                 const recommendation_request& request,
                                                 std::string_view default_language) {
  using namespace std::chrono;
  if (request.score < settings.min_score || !request.customer) return std::nullopt;
  const value* purchases = request.customer->attributes.find_path(settings.attribute);
  const auto* list = purchases ? purchases->as_array() : nullptr;
  if (!list) return std::nullopt;
  const value* best = nullptr;
  time_point best_out{};
  for (const auto& p : *list) {
    const value* bought = p.find("bought_on");
    const value* lasts = p.find("lasts_days");
    auto day = bought ? bought->as_string() : std::nullopt;
    auto days_left = lasts ? lasts->as_number() : std::nullopt;
    if (!day || !days_left || !p.find("item")) continue;
    auto start = parse_rfc3339(fmt::format("{}T00:00:00Z", *day));
    if (!start) continue;
    const time_point runs_out = *start + duration_cast<milliseconds>(days{static_cast<int>(*days_left)});
    // Soon to run out, or run out lately: worth a word; long gone, not.
    if (runs_out > request.now + days{settings.within_days} || runs_out < request.now - days{settings.within_days})
      continue;
    if (!best || runs_out < best_out) {
      best = &p;
      best_out = runs_out;
    }
  }
  if (!best) return std::nullopt;
  auto text = std::string(settings.text.get(request.language, default_language));
  if (text.empty()) return std::nullopt;
  const std::string localized_key = fmt::format("item_{}", request.language);
  const value* item = best->find(localized_key);
  if (!item || !item->as_string()) item = best->find("item");
  const auto date = year_month_day{floor<days>(best_out)};
  const std::string item_name(item->as_string().value_or(""));
  const std::string runs_out = fmt::format("{:04}-{:02}-{:02}", static_cast<int>(date.year()),
                                           static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  auto out = fill_in(text, [&](std::string_view name) -> const std::string* {
    if (name == "item") return &item_name;
    if (name == "runs_out") return &runs_out;
    if (name == "discount") return &settings.discount;
    return nullptr;
  });
  return recommendation{std::move(out), {}};
}

}  // namespace handoff::detail
