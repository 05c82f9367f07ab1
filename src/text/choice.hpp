// SPDX-License-Identifier: MIT
// Reading a typed answer to the bot's own question "which do you mean?".
#pragma once

#include <optional>
#include <string_view>

#include "handoff/normalize.hpp"

namespace handoff::detail {

/// Which of two offered choices a short typed reply names: by place ("the
/// second one", "第一个", "2"), or by a word that only one choice's label
/// has ("进度" for 查退款进度 against 申请退款, "apply" for "Apply for a
/// refund" against "Check a refund's progress"). Empty when the reply names
/// neither, names both, or is longer than an answer to the question (a new
/// question that happens to share a word with a label is left to the
/// matchers).
std::optional<int> chosen_option(const normalized_text& reply, std::string_view first_label,
                                 std::string_view second_label);

}  // namespace handoff::detail
