// SPDX-License-Identifier: MIT
#pragma once

#include <memory>
#include <span>
#include <string_view>

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
///
/// A message of courtesies only, a greeting among them, with something
/// else said ("hello, who invented the telephone") gets the rest of the
/// message without them in `intent_reading::rest`.
class keyword_matcher final : public intent_matcher {
 public:
  /// Learns the intents' keywords and patterns; throws `config_error`
  /// naming the pointer of a pattern RE2 refuses.
  explicit keyword_matcher(std::span<const intent_definition> intents);
  ~keyword_matcher() override;
  keyword_matcher(const keyword_matcher&) = delete;
  keyword_matcher& operator=(const keyword_matcher&) = delete;

  std::string_view name() const noexcept override { return "keywords"; }

 protected:
  void read_message(const normalized_text& text, std::string_view language, intent_reading& reading) const override;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace handoff
