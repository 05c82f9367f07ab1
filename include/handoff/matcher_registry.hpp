// SPDX-License-Identifier: MIT
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "handoff/config.hpp"
#include "handoff/intent.hpp"

namespace handoff {

/// Makes a matcher for a configuration; may throw `config_error`.
using matcher_factory = std::function<std::unique_ptr<intent_matcher>(const bot_config&)>;

/// Intent matchers by the names `understanding.matchers` uses. It starts
/// with the built-ins, `keywords`, `linear` and `ensemble` (the two first,
/// combined); a host adds its own:
///
///     handoff::matcher_registry matchers;
///     matchers.add("embeddings", [&](const handoff::bot_config& c) {
///       return std::make_unique<handoff::scored_matcher>("embeddings", c, my_scorer);
///     });
///     handoff::engine bot(config, {.matchers = &matchers});
class matcher_registry {
 public:
  matcher_registry();

  /// Adds or replaces the factory for `name`. Replacing `keywords` or
  /// `linear` changes the built-in `ensemble` as well.
  void add(std::string name, matcher_factory factory);
  bool contains(std::string_view name) const noexcept;
  std::vector<std::string> names() const;

  /// The matcher `name`; throws `config_error` (`handoff.config.unknown_matcher`)
  /// for a name nobody registered.
  std::unique_ptr<intent_matcher> create(std::string_view name, const bot_config& config) const;

  /// What the configuration asks for: its one matcher, or an
  /// `ensemble_matcher` of several, in order.
  std::unique_ptr<intent_matcher> create_for(const bot_config& config) const;

 private:
  std::vector<std::pair<std::string, matcher_factory>> factories_;
};

}  // namespace handoff
