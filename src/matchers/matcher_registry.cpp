// SPDX-License-Identifier: MIT
#include "handoff/matcher_registry.hpp"

#include <fmt/format.h>

#include "config/problems.hpp"
#include "handoff/matchers/ensemble.hpp"
#include "handoff/matchers/keywords.hpp"
#include "handoff/matchers/linear.hpp"

namespace handoff {

matcher_setup matcher_setup::of(const bot_config& config, std::string_view name) {
  matcher_setup s{config.intents, &config.understanding, nullptr};
  for (const auto& [n, block] : config.understanding.settings)
    if (n == name) s.settings = &block;
  return s;
}

matcher_registry::matcher_registry() {
  add("keywords", [](const matcher_setup& s) { return std::make_unique<keyword_matcher>(s.intents); });
  add("linear", [](const matcher_setup& s) {
    if (s.understanding) return std::make_unique<linear_matcher>(s.intents, *s.understanding);
    return std::make_unique<linear_matcher>(s.intents, understanding_settings{});
  });
  // The ensemble by name: this registry's `keywords` and `linear`, so a
  // host that replaces either changes the ensemble too. No factory of its
  // own: `create` builds it from the other two.
  add("ensemble", nullptr);
}

void matcher_registry::add(std::string name, matcher_factory factory) {
  for (auto& [n, f] : factories_)
    if (n == name) {
      f = std::move(factory);
      return;
    }
  factories_.emplace_back(std::move(name), std::move(factory));
}

bool matcher_registry::contains(std::string_view name) const noexcept {
  for (const auto& [n, f] : factories_)
    if (n == name) return true;
  return false;
}

std::vector<std::string> matcher_registry::names() const {
  std::vector<std::string> out;
  for (const auto& [n, f] : factories_) out.push_back(n);
  return out;
}

namespace {

double certain_of(const matcher_setup& s) { return s.understanding ? s.understanding->certain : 0.9; }

}  // namespace

std::unique_ptr<intent_matcher> matcher_registry::create(std::string_view name, const matcher_setup& setup) const {
  for (const auto& [n, f] : factories_) {
    if (n != name) continue;
    if (f) return f(setup);
    std::vector<std::unique_ptr<intent_matcher>> parts;
    for (const char* part : {"keywords", "linear"}) {
      matcher_setup s = setup;
      s.settings = nullptr;
      if (s.understanding)
        for (const auto& [block_name, block] : s.understanding->settings)
          if (block_name == part) s.settings = &block;
      parts.push_back(create(part, s));
    }
    return std::make_unique<ensemble_matcher>(std::move(parts), certain_of(setup));
  }
  std::string known;
  for (const auto& [n, f] : factories_) known += fmt::format("{}{}", known.empty() ? "" : ", ", n);
  throw config_error(
      "<config>", {detail::make_problem(detail::problem_id::unknown_matcher, "/understanding/matchers",
                                        fmt::format("no matcher is registered as \"{}\" (known: {})", name, known))});
}

std::unique_ptr<intent_matcher> matcher_registry::create(std::string_view name, const bot_config& config) const {
  return create(name, matcher_setup::of(config, name));
}

std::unique_ptr<intent_matcher> matcher_registry::create_for(const bot_config& config) const {
  const auto& names = config.understanding.matchers;
  if (names.size() == 1) return create(names.front(), config);
  std::vector<std::unique_ptr<intent_matcher>> parts;
  for (const auto& n : names) parts.push_back(create(n, config));
  return std::make_unique<ensemble_matcher>(std::move(parts), config.understanding.certain);
}

}  // namespace handoff
