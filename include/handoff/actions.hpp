// SPDX-License-Identifier: MIT
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "handoff/events.hpp"

/// The host's business behind an intent: once the intent's slots are
/// filled, the engine calls its action (an order lookup, a change of
/// address, a booking) and answers with the intent's response for the
/// outcome.
namespace handoff {

/// Named values: slots collected, or what an action found.
using named_values = std::vector<std::pair<std::string, std::string>>;

/// What an action is asked to do.
struct action_request {
  std::string_view conversation;
  std::string_view intent;
  /// The customer's language, for actions that answer in words.
  std::string_view language;
  const customer_info* customer = nullptr;
  /// Every slot the conversation holds, the intent's among them.
  const named_values* slots = nullptr;

  /// A slot's value; empty when it has none.
  std::string_view slot(std::string_view name) const noexcept;
};

/// What it found or did.
struct action_result {
  /// Picks the intent's response (`responses` in the configuration):
  /// `found`, `not_found`, `shipped`, ...
  std::string outcome = "done";
  /// For the response's placeholders (`{status}`), besides the slots.
  named_values values;
};

/// An action may be called from the thread that calls the engine, while
/// the engine waits: it must not call the engine back. An exception it
/// throws becomes the outcome `failed`.
using action_function = std::function<action_result(const action_request&)>;

/// Actions by the names intents use (`"action": "order_lookup"`). The host
/// adds its own and passes the registry in `engine_options::actions`; an
/// action of the host's replaces the configuration's own of the same name
/// (a real order system instead of the demo's file):
///
///     handoff::action_registry actions;
///     actions.add("order_lookup", [&](const handoff::action_request& r) {
///       auto order = shop.find(r.slot("order_number"));
///       if (!order) return handoff::action_result{"not_found", {}};
///       return handoff::action_result{"found", {{"status", order->status}}};
///     });
///     handoff::engine bot(config, {.actions = &actions});
class action_registry {
 public:
  /// Adds or replaces the action `name`.
  void add(std::string name, action_function action);
  /// The action `name`, or nullptr.
  const action_function* find(std::string_view name) const noexcept;
  bool contains(std::string_view name) const noexcept { return find(name) != nullptr; }

 private:
  std::vector<std::pair<std::string, action_function>> actions_;
};

}  // namespace handoff
