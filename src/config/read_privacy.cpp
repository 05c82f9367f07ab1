// SPDX-License-Identifier: MIT
// `privacy`: what is redacted before anything is kept.
#include <fmt/format.h>

#include <algorithm>

#include "config/reader.hpp"
#include "protocol/json_value.hpp"

namespace handoff::detail {

void config_reader::read_privacy(const json& j, bot_config& cfg) {
  const std::string ptr = "/privacy";
  if (!expect_object(j, ptr)) return;
  allow_keys(j, ptr, {"redact"});
  auto r = member(j, ptr, "redact");
  if (!r) return;
  const std::string list = at(ptr, "redact");
  if (!expect_array(*r, list)) return;
  static const std::pair<const char*, redaction_kind> kinds[] = {{"card", redaction_kind::card},
                                                                 {"email", redaction_kind::email},
                                                                 {"phone", redaction_kind::phone},
                                                                 {"cn_id", redaction_kind::cn_id},
                                                                 {"pattern", redaction_kind::pattern}};
  for (std::size_t i = 0; i < r->size(); ++i) {
    const std::string p = at(list, i);
    const json& o = (*r)[i];
    if (!expect_object(o, p)) continue;
    allow_keys(o, p, {"kind", "pattern", "replacement", "agent_sees"});
    redaction_rule rule;
    if (auto k = required(o, p, "kind", "card, email, phone, cn_id or pattern")) {
      auto name = string_value(*k, at(p, "kind"));
      auto it = std::find_if(std::begin(kinds), std::end(kinds), [&](const auto& e) { return name == e.first; });
      if (it == std::end(kinds)) {
        problem(problem_id::invalid_value, at(p, "kind"),
                fmt::format("\"{}\" is not a kind of redaction: card, email, phone, cn_id or pattern", name));
        continue;
      }
      rule.kind = it->second;
    }
    rule.pattern = optional_string(o, p, "pattern");
    if (rule.kind == redaction_kind::pattern && rule.pattern.empty())
      problem(problem_id::missing, at(p, "pattern"), "a `pattern` rule needs a `pattern` (RE2)");
    check_pattern(rule.pattern, at(p, "pattern"));
    rule.replacement = optional_string(o, p, "replacement");
    rule.agent_sees = boolean(o, p, "agent_sees");
    cfg.privacy.redact.push_back(std::move(rule));
  }
}

}  // namespace handoff::detail
