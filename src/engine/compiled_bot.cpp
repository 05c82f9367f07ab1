// SPDX-License-Identifier: MIT
#include "engine/compiled_bot.hpp"

#include <fmt/format.h>

#include <utility>

#include "bot/lookup_action.hpp"
#include "config/problems.hpp"

namespace handoff::detail {
namespace {

// The action an intent names: the host's, else the configuration's own
// (each built once, however many intents use it).
action_function find_action(const bot_config& cfg, const intent_definition& intent, const action_registry* host_actions,
                            std::vector<std::pair<std::string, action_function>>& built) {
  if (intent.action.empty()) return {};
  if (host_actions)
    if (const auto* a = host_actions->find(intent.action)) return *a;
  for (const auto& [name, a] : built)
    if (name == intent.action) return a;
  if (const auto* d = cfg.find_action(intent.action)) return built.emplace_back(d->name, make_lookup(*d)).second;
  throw config_error(
      "<config>",
      {detail::make_problem(detail::problem_id::unknown_action,
                            fmt::format("/intents/{}/action", &intent - cfg.intents.data()),
                            fmt::format("no action \"{}\": not in `actions`, and the host registered none by that name",
                                        intent.action))});
}

}  // namespace

compiled_bot::compiled_bot(bot_config config, const matcher_registry* registry, const action_registry* host_actions)
    : cfg(std::move(config)),
      matcher(registry ? registry->create_for(cfg) : matcher_registry().create_for(cfg)),
      policy(cfg.policy),
      redact(cfg.privacy.redact) {
  schedules.reserve(cfg.hours.size());
  for (const auto& h : cfg.hours) schedules.emplace_back(h);
  std::vector<std::pair<std::string, action_function>> built;
  for (const auto& intent : cfg.intents) {
    auto& slots = extractors.emplace_back();
    for (const auto& s : intent.slots) slots.emplace_back(s);
    actions.emplace_back(find_action(cfg, intent, host_actions, built));
  }
  for (std::uint32_t i = 0; i < cfg.intents.size(); ++i)
    if (cfg.intents[i].requests_human) {
      human_intent = i;
      break;
    }
}

const hours_schedule* compiled_bot::hours_of(std::string_view queue) const {
  const queue_definition* q = cfg.find_queue(queue);
  if (!q) return nullptr;
  for (std::size_t i = 0; i < cfg.hours.size(); ++i)
    if (cfg.hours[i].id == q->hours) return &schedules[i];
  return nullptr;
}

std::string compiled_bot::for_record(std::string text) const {
  if (!redact.empty()) {
    std::string agent_view, kept;
    if (redact.redact(text, kept, agent_view)) return kept;
  }
  return text;
}

}  // namespace handoff::detail
