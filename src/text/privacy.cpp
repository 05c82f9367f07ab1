// SPDX-License-Identifier: MIT
#include "handoff/privacy.hpp"

#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <optional>

#include "handoff/error.hpp"

namespace handoff {
namespace {

struct found {
  std::size_t begin, end;
  std::size_t rule;
};

bool ascii_digit(char c) { return c >= '0' && c <= '9'; }
bool ascii_alnum(char c) { return ascii_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool luhn(std::string_view digits) {
  int sum = 0;
  bool twice = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int d = *it - '0';
    if (twice) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

// GB 11643: 17 digits, then a check character over them (ISO 7064 MOD 11-2).
bool cn_id(std::string_view id) {
  if (id.size() != 18 || id[0] == '0') return false;
  static constexpr std::array<int, 17> weights{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (std::size_t i = 0; i < 17; ++i) {
    if (!ascii_digit(id[i])) return false;
    sum += (id[i] - '0') * weights[i];
  }
  const char check = "10X98765432"[sum % 11];
  const char last = id[17] == 'x' ? 'X' : id[17];
  // The birth month, as a sanity check against long numbers that happen to
  // pass the check digit.
  const int month = (id[10] - '0') * 10 + (id[11] - '0');
  return last == check && month >= 1 && month <= 12;
}

bool cn_mobile(std::string_view d) { return d.size() == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9'; }

const char* default_replacement(redaction_kind k) {
  switch (k) {
    case redaction_kind::card: return "[card]";
    case redaction_kind::email: return "[email]";
    case redaction_kind::phone: return "[phone]";
    case redaction_kind::cn_id: return "[id]";
    case redaction_kind::pattern: return "[redacted]";
  }
  return "[redacted]";
}

}  // namespace

struct redactor::impl {
  std::vector<redaction_rule> rules;
  std::vector<std::unique_ptr<RE2>> patterns;  // per rule; null for the digit kinds
  std::optional<std::size_t> card, phone, id;  // the rule of each digit kind

  void find(std::string_view text, std::vector<found>& out) const {
    for (std::size_t r = 0; r < rules.size(); ++r) {
      if (!patterns[r]) continue;
      // Most messages hold no address: skip the regular expression for them.
      if (rules[r].kind == redaction_kind::email && text.find('@') == std::string_view::npos) continue;
      re2::StringPiece input(text.data(), text.size()), match;
      std::size_t pos = 0;
      while (pos <= text.size() && patterns[r]->Match(input, pos, text.size(), RE2::UNANCHORED, &match, 1)) {
        auto b = static_cast<std::size_t>(match.data() - text.data());
        auto e = b + match.size();
        if (e > b) out.push_back({b, e, r});
        pos = e > b ? e : b + 1;
      }
    }
    if (card || phone || id) find_numbers(text, out);
    // Earlier first; where two overlap, the longer wins.
    std::sort(out.begin(), out.end(),
              [](const found& a, const found& b) { return a.begin != b.begin ? a.begin < b.begin : a.end > b.end; });
    std::size_t kept = 0, reach = 0;
    for (const auto& f : out)
      if (f.begin >= reach) {
        out[kept++] = f;
        reach = f.end;
      }
    out.resize(kept);
  }

  // Runs of digits, with single spaces or dashes between them (card numbers
  // are written in groups), not glued to other letters or digits.
  void find_numbers(std::string_view text, std::vector<found>& out) const {
    std::string digits;
    std::vector<std::pair<std::size_t, std::size_t>> groups;  // spans between separators
    std::size_t i = 0;
    while (i < text.size()) {
      const bool plus = text[i] == '+' && i + 1 < text.size() && ascii_digit(text[i + 1]);
      if (!(ascii_digit(text[i]) || plus) || (i > 0 && ascii_alnum(text[i - 1]))) {
        ++i;
        continue;
      }
      const std::size_t begin = i;
      if (plus) ++i;
      digits.clear();
      groups.clear();
      std::size_t group_start = i;
      bool separated = false;
      while (i < text.size()) {
        if (ascii_digit(text[i])) {
          digits.push_back(text[i++]);
        } else if ((text[i] == ' ' || text[i] == '-') && i + 1 < text.size() && ascii_digit(text[i + 1]) && i > begin &&
                   ascii_digit(text[i - 1])) {
          groups.emplace_back(group_start, i);
          separated = true;
          group_start = ++i;
        } else {
          break;
        }
      }
      std::size_t end = i;
      groups.emplace_back(group_start, end);
      // An identity number may end in X.
      bool x_end = false;
      if (digits.size() == 17 && !separated && end < text.size() && (text[end] == 'X' || text[end] == 'x')) {
        x_end = true;
        ++end;
      }
      if (end < text.size() && ascii_alnum(text[end])) {
        i = end;
        continue;  // part of a word or a code: "A1234567890B"
      }
      if (auto rule = classify(digits, x_end ? 'X' : '\0', plus, separated)) {
        out.push_back({begin, end, *rule});
      } else if (separated) {
        // "order 20250106001 13812345678": each group on its own.
        for (const auto& [gb, ge] : groups) {
          std::string_view g = text.substr(gb, ge - gb);
          if (auto r = classify(g, '\0', false, false)) out.push_back({gb, ge, *r});
        }
      }
      i = end;
    }
  }

  std::optional<std::size_t> classify(std::string_view d, char last, bool plus, bool separated) const {
    if (id && ((last == 'X' && d.size() == 17 && cn_id(std::string(d) + 'X')) || (d.size() == 18 && cn_id(d))))
      return id;
    if (last == 'X') return std::nullopt;
    if (card && !plus && d.size() >= 13 && d.size() <= 19 && luhn(d)) return card;
    if (phone) {
      if (plus && d.size() >= 8 && d.size() <= 15) return phone;
      if (cn_mobile(d)) return phone;
      if (d.size() == 13 && d.starts_with("86") && cn_mobile(d.substr(2))) return phone;
      // A landline with its area code: 010-12345678, 0755 1234567.
      if (separated && d[0] == '0' && d.size() >= 10 && d.size() <= 12) return phone;
    }
    return std::nullopt;
  }

  std::string apply(std::string_view text, const std::vector<found>& spans, bool for_agent) const {
    std::string result;
    result.reserve(text.size());
    std::size_t at = 0;
    for (const auto& f : spans) {
      const auto& rule = rules[f.rule];
      if (for_agent && rule.agent_sees) continue;
      result.append(text.substr(at, f.begin - at));
      result += rule.replacement;
      at = f.end;
    }
    result.append(text.substr(at));
    return result;
  }
};

redactor::redactor() : impl_(std::make_unique<impl>()) {}

redactor::redactor(const std::vector<redaction_rule>& rules) : redactor() {
  for (const auto& r : rules) {
    redaction_rule rule = r;
    if (rule.replacement.empty()) rule.replacement = default_replacement(rule.kind);
    std::unique_ptr<RE2> re;
    const std::size_t index = impl_->rules.size();
    if (rule.kind == redaction_kind::pattern || rule.kind == redaction_kind::email) {
      RE2::Options options;
      options.set_log_errors(false);
      const std::string pattern = rule.kind == redaction_kind::email
                                      ? R"([A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,})"
                                      : rule.pattern;
      re = std::make_unique<RE2>(pattern, options);
      if (!re->ok()) throw error(fmt::format("redaction pattern \"{}\": {}", pattern, re->error()));
    } else if (rule.kind == redaction_kind::card) {
      impl_->card = index;
    } else if (rule.kind == redaction_kind::phone) {
      impl_->phone = index;
    } else if (rule.kind == redaction_kind::cn_id) {
      impl_->id = index;
    }
    impl_->rules.push_back(std::move(rule));
    impl_->patterns.push_back(std::move(re));
  }
}

redactor::~redactor() = default;
redactor::redactor(redactor&&) noexcept = default;
redactor& redactor::operator=(redactor&&) noexcept = default;

bool redactor::empty() const noexcept { return impl_->rules.empty(); }

bool redactor::redact(std::string_view text, std::string& kept, std::string& for_agent) const {
  if (impl_->rules.empty()) return false;
  std::vector<found> spans;
  impl_->find(text, spans);
  if (spans.empty()) return false;
  kept = impl_->apply(text, spans, false);
  for_agent = impl_->apply(text, spans, true);
  return true;
}

std::string redactor::redact(std::string_view text) const {
  std::string kept, agent;
  return redact(text, kept, agent) ? kept : std::string(text);
}

std::string redactor::redact_for_agent(std::string_view text) const {
  std::string kept, agent;
  return redact(text, kept, agent) ? agent : std::string(text);
}

}  // namespace handoff
