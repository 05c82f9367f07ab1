// SPDX-License-Identifier: MIT
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace handoff {

/// What a redaction rule finds.
enum class redaction_kind {
  card,     ///< payment card numbers: 13 to 19 digits, spaces or dashes between, passing the Luhn check
  email,    ///< e-mail addresses
  phone,    ///< phone numbers: Chinese mobiles (+86 optional), landlines with an area code, and `+` international ones
  cn_id,    ///< Chinese resident identity numbers: 18 characters with a valid check digit
  pattern,  ///< the host's own: an RE2 pattern
};

/// One rule of the configuration's `privacy.redact`.
struct redaction_rule {
  redaction_kind kind = redaction_kind::pattern;
  /// The RE2 pattern of a `pattern` rule.
  std::string pattern;
  /// What a match becomes; by default `[card]`, `[email]`, `[phone]`,
  /// `[id]`, or `[redacted]` for a pattern.
  std::string replacement;
  /// The agent serving the conversation sees the value as written (a
  /// phone number to call back); stores, exports and the transcript never
  /// do.
  bool agent_sees = false;
};

struct privacy_settings {
  std::vector<redaction_rule> redact;
};

/// Applies redaction rules to text. The engine redacts every message
/// before it is kept in a transcript or a store; a host can use the same
/// rules on its own exports.
class redactor {
 public:
  redactor();
  /// Throws `error` on a pattern RE2 cannot compile.
  explicit redactor(const std::vector<redaction_rule>& rules);
  ~redactor();
  redactor(redactor&&) noexcept;
  redactor& operator=(redactor&&) noexcept;

  bool empty() const noexcept;
  /// Every rule applied: what may be kept and exported.
  std::string redact(std::string_view text) const;
  /// Only the rules the agent may not see past.
  std::string redact_for_agent(std::string_view text) const;
  /// Both at once; false (and both untouched) when nothing matched, the
  /// common case, which costs no allocation.
  bool redact(std::string_view text, std::string& kept, std::string& for_agent) const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace handoff
