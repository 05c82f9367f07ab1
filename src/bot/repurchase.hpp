// SPDX-License-Identifier: MIT
// The built-in recommender: buy again what is about to run out.
#pragma once

#include <optional>
#include <string_view>

#include "handoff/recommend.hpp"

namespace handoff::detail {

std::optional<recommendation> suggest_repurchase(const repurchase_settings& settings,
                                                 const recommendation_request& request,
                                                 std::string_view default_language);

}  // namespace handoff::detail
