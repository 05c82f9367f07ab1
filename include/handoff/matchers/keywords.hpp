// SPDX-License-Identifier: MIT
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "handoff/config.hpp"
#include "handoff/intent.hpp"

namespace handoff {

/// Recognises intents by their configured keywords, phrases and RE2
/// patterns, in every configured language at once (a Chinese customer may
/// write `refund`).
///
/// Keywords are normalised like messages, so `ＲＥＦＵＮＤ` finds `refund`.
/// In spaced scripts a keyword matches whole words only (`hi` is not found
/// in `this`); in Han, Kana and Hangul it matches anywhere. Patterns run in
/// linear time (RE2), so no configured pattern can hang the engine.
///
/// Confidence grows with the share of the message the match covers: a
/// message that is nothing but the keyword scores 1. Chinese particles at
/// the message's end (啊, 呢, 吧...) cover nothing, as punctuation does not;
/// nor does a greeting (a `welcome` intent's keyword) when another intent's
/// keyword is found, which then is no candidate: "你好，保修" is about the
/// repair. A match of an intent that `requests_human` is a command.
class keyword_matcher final : public intent_matcher {
 public:
  /// Throws `config_error` naming the pointer of a pattern RE2 refuses.
  explicit keyword_matcher(const bot_config& config);
  ~keyword_matcher() override;
  keyword_matcher(const keyword_matcher&) = delete;
  keyword_matcher& operator=(const keyword_matcher&) = delete;

  std::string_view name() const noexcept override { return "keywords"; }
  void match(const normalized_text& text, std::string_view language, std::vector<intent_match>& out) const override;
  std::uint32_t without_courtesy(const normalized_text& text, std::string& rest) const override;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace handoff
