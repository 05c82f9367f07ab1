// SPDX-License-Identifier: MIT
// `understanding`: which intent matchers run, and how sure they must be.
#include <fmt/format.h>

#include "config/reader.hpp"
#include "handoff/matcher_registry.hpp"
#include "protocol/json_value.hpp"

namespace handoff::detail {

void config_reader::read_understanding(const json& j, bot_config& cfg) {
  const std::string ptr = "/understanding";
  if (!expect_object(j, ptr)) return;
  allow_keys(
      j, ptr,
      {"matchers", "certain", "threshold", "clarify_ratio", "suggest", "model", "seed", "out_of_scope", "settings"});
  auto& u = cfg.understanding;
  if (auto m = member(j, ptr, "matchers")) {
    const auto p = at(ptr, "matchers");
    if (expect_array(*m, p)) {
      const matcher_registry builtins;  // to tell a typo from a host's own
      u.matchers.clear();
      for (std::size_t i = 0; i < m->size(); ++i) {
        auto name = string_value((*m)[i], at(p, i));
        if (!(*m)[i].is_string()) continue;
        if (!builtins.contains(name)) {
          std::string known;
          for (const auto& n : builtins.names()) known += fmt::format("{}{}", known.empty() ? "" : ", ", n);
          warning(problem_id::unknown_matcher, at(p, i),
                  fmt::format("\"{}\" is not a built-in matcher ({}): the host must register it", name, known));
        }
        u.matchers.push_back(std::move(name));
      }
      if (m->empty()) problem(problem_id::invalid_value, p, "at least one matcher is needed");
    }
  }
  if (auto c = member(j, ptr, "certain")) u.certain = number(*c, at(ptr, "certain"), 0, 1);
  if (auto t = member(j, ptr, "threshold")) u.threshold = number(*t, at(ptr, "threshold"), 0, 1);
  if (auto c = member(j, ptr, "clarify_ratio")) u.clarify_ratio = number(*c, at(ptr, "clarify_ratio"), 0, 2);
  if (auto c = member(j, ptr, "suggest")) u.suggest = number(*c, at(ptr, "suggest"), 0, 2);
  u.model = optional_string(j, ptr, "model");
  if (auto s = member(j, ptr, "seed"))
    u.seed = static_cast<std::uint32_t>(integer(*s, at(ptr, "seed"), 0, 0xFFFFFFFFll));
  if (auto o = member(j, ptr, "out_of_scope")) u.out_of_scope = by_language(*o, at(ptr, "out_of_scope"), false);
  if (auto s = member(j, ptr, "settings"); s && expect_object(*s, at(ptr, "settings")))
    for_each_entry(*s, at(ptr, "settings"), [&](const std::string& matcher, const json& v, const std::string& p) {
      if (!detail::within_depth(v)) return problem(problem_id::invalid_value, p, "nested too deeply");
      u.settings.emplace_back(matcher, detail::from_json(v));
    });
}

}  // namespace handoff::detail
