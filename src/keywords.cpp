// SPDX-License-Identifier: MIT
#include "handoff/matchers/keywords.hpp"

#include <fmt/format.h>
#include <re2/re2.h>
#include <utf8proc.h>

#include <algorithm>

#include "utf8.hpp"

namespace handoff {
namespace {

bool is_word_char(char32_t c) noexcept {
  if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  if (is_cjk(c)) return false;
  auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(c));
  return cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_NO;
}

using detail::code_point_at;
using detail::code_point_before;

// Characters that carry meaning: letters, digits and CJK, not spaces or
// punctuation. Coverage is measured in these.
std::uint32_t content_chars(std::string_view s) noexcept {
  std::uint32_t n = 0;
  for (std::size_t pos = 0; pos < s.size();) {
    char32_t c = detail::decode_utf8(s, pos);
    n += is_word_char(c) || is_cjk(c);
  }
  return n;
}

// Where a keyword was found, and how long it is.
struct found_span {
  std::size_t begin, end;
  std::uint32_t content;
};

}  // namespace

struct keyword_matcher::impl {
  struct keyword {
    std::string text;
    std::uint32_t intent;
    std::uint32_t content;
    bool word_start;  // must not be preceded by a word character
    bool word_end;    // must not be followed by one
  };
  struct pattern {
    std::unique_ptr<RE2> re;
    std::uint32_t intent;
  };
  std::vector<keyword> keywords;
  std::vector<pattern> patterns;
  std::vector<bool> command;

  // Where `k` occurs as a whole word (or anywhere, in Han, Kana and
  // Hangul), outside the spans of longer keywords already found: "退款" in
  // "退款到账" is part of the longer phrase, not evidence of its own.
  bool found(const keyword& k, std::string_view text, std::vector<found_span>& taken) const noexcept {
    for (auto pos = text.find(k.text); pos != std::string_view::npos; pos = text.find(k.text, pos + 1)) {
      if (k.word_start && is_word_char(code_point_before(text, pos))) continue;
      if (k.word_end && is_word_char(code_point_at(text, pos + k.text.size()))) continue;
      const std::size_t end = pos + k.text.size();
      bool inside = false;
      for (const auto& s : taken) inside = inside || (s.content > k.content && s.begin <= pos && end <= s.end);
      if (inside) continue;
      taken.push_back({pos, end, k.content});
      return true;
    }
    return false;
  }
};

keyword_matcher::keyword_matcher(const bot_config& config) : impl_(std::make_unique<impl>()) {
  std::vector<config_problem> problems;
  normalized_text norm;
  for (std::uint32_t i = 0; i < config.intents.size(); ++i) {
    const auto& intent = config.intents[i];
    impl_->command.push_back(intent.requests_human);
    for (const auto& [lang, list] : intent.keywords) {
      for (const auto& kw : list) {
        norm.assign(kw);
        if (norm.text().empty()) continue;
        std::string_view t = norm.text();
        impl_->keywords.push_back({std::string(t), i, content_chars(t), is_word_char(code_point_at(t, 0)),
                                   is_word_char(code_point_before(t, t.size()))});
      }
    }
    for (std::size_t l = 0; l < intent.patterns.size(); ++l) {
      const auto& [lang, list] = intent.patterns[l];
      for (std::size_t k = 0; k < list.size(); ++k) {
        RE2::Options options;
        options.set_log_errors(false);
        auto re = std::make_unique<RE2>(list[k], options);
        if (!re->ok()) {
          problems.push_back({config_problem::level::error, "handoff.config.bad_pattern",
                              fmt::format("/intents/{}/patterns/{}/{}", i, lang, k),
                              fmt::format("RE2 cannot compile it: {}", re->error())});
          continue;
        }
        impl_->patterns.push_back({std::move(re), i});
      }
    }
  }
  // Longer keywords first: the most specific phrase decides the confidence.
  std::stable_sort(impl_->keywords.begin(), impl_->keywords.end(),
                   [](const auto& a, const auto& b) { return a.content > b.content; });
  if (!problems.empty()) throw config_error("keyword matcher", std::move(problems));
}

keyword_matcher::~keyword_matcher() = default;

void keyword_matcher::match(const normalized_text& text, std::string_view, std::vector<intent_match>& out) const {
  std::string_view t = text.text();
  if (t.empty()) return;
  std::uint32_t total = std::max<std::uint32_t>(1, content_chars(t));
  auto confidence = [&](std::uint32_t covered) {
    // The whole message is the keyword: certain. Otherwise the share of the
    // message it explains, from a floor that still beats no match.
    if (covered >= total) return 1.0;
    return 0.5 + 0.45 * static_cast<double>(covered) / total;
  };
  thread_local std::vector<found_span> taken;
  taken.clear();
  for (const auto& k : impl_->keywords)
    if (impl_->found(k, t, taken)) out.push_back({k.intent, confidence(k.content), impl_->command[k.intent]});
  for (const auto& p : impl_->patterns) {
    re2::StringPiece whole;
    if (!p.re->Match(t, 0, t.size(), RE2::UNANCHORED, &whole, 1)) continue;
    auto covered = content_chars(std::string_view(whole.data(), whole.size()));
    out.push_back({p.intent, confidence(covered), impl_->command[p.intent]});
  }
}

}  // namespace handoff
