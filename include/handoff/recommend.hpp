// SPDX-License-Identifier: MIT
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "handoff/events.hpp"
#include "handoff/localized_text.hpp"
#include "handoff/time.hpp"

/// What the bot may suggest once a conversation is resolved and the
/// customer is satisfied: a repurchase, an accessory, a care product.
namespace handoff {

struct recommendation_request {
  std::string_view conversation;
  std::string_view language;
  const customer_info* customer = nullptr;
  /// The score the customer just gave, 1 to 5.
  int score = 0;
  time_point now{};
};

struct recommendation {
  std::string text;
  std::vector<quick_reply> quick_replies;
};

/// A host's recommender (`engine_options::recommender`); nothing when it
/// has nothing to suggest. It replaces the configuration's. An exception it
/// throws is recorded and nothing is suggested.
using recommender_function = std::function<std::optional<recommendation>(const recommendation_request&)>;

/// The built-in recommender, `recommendation` in the configuration: it
/// reads the customer's purchases (`customer.attributes.<attribute>`, a list
/// of `{item, bought_on: "YYYY-MM-DD", lasts_days}`), finds the one that
/// runs out soonest within `within_days`, and suggests buying it again with
/// the configured discount. `{item}` (or `{item_<language>}` when the
/// purchase has it), `{runs_out}` and `{discount}` are filled in.
struct repurchase_settings {
  std::string attribute = "purchases";
  int within_days = 14;
  /// Only after a score at least this good: an unhappy customer hears no
  /// sales pitch.
  int min_score = 4;
  std::string discount;
  localized_text text;
};

}  // namespace handoff
