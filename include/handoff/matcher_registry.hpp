// SPDX-License-Identifier: MIT
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "handoff/config.hpp"
#include "handoff/intent.hpp"
#include "handoff/value.hpp"

namespace handoff {

/// What a matcher is built from: what it needs of the bot, and its own
/// settings. It refers to the configuration, which outlives the call.
struct matcher_setup {
  /// The bot's intents: a matcher's candidates index into them.
  std::span<const intent_definition> intents;
  /// The built-ins' settings, the configuration's `understanding`: the
  /// statistical matcher's threshold, model, seed and out-of-scope messages,
  /// the ensemble's `certain`.
  const understanding_settings* understanding = nullptr;
  /// The matcher's own block, `understanding.settings.<name>`, as the host
  /// wrote it; null when there is none.
  const value* settings = nullptr;

  /// The setup for the matcher `name` of `config`.
  static matcher_setup of(const bot_config& config, std::string_view name);
};

/// Makes a matcher; may throw `config_error`.
using matcher_factory = std::function<std::unique_ptr<intent_matcher>(const matcher_setup&)>;

/// Intent matchers by the names `understanding.matchers` uses. It starts
/// with the built-ins, `keywords`, `linear` and `ensemble` (the two first,
/// combined); a host adds its own:
///
///     handoff::matcher_registry matchers;
///     matchers.add("embeddings", [&](const handoff::matcher_setup& s) {
///       return std::make_unique<handoff::scored_matcher>("embeddings", s.intents.size(), my_scorer);
///     });
///     handoff::engine bot(config, {.matchers = &matchers});
///
/// The registry is an object the host owns, never a global: two engines
/// may use two registries.
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
  std::unique_ptr<intent_matcher> create(std::string_view name, const matcher_setup& setup) const;
  /// The same, with the setup `config` gives it.
  std::unique_ptr<intent_matcher> create(std::string_view name, const bot_config& config) const;

  /// What the configuration asks for: its one matcher, or an
  /// `ensemble_matcher` of several, in order.
  std::unique_ptr<intent_matcher> create_for(const bot_config& config) const;

 private:
  std::vector<std::pair<std::string, matcher_factory>> factories_;
};

}  // namespace handoff
