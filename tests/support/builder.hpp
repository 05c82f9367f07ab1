// Test support: small configurations built in code, so that a test of the
// router or the policy states the few things it needs instead of loading
// the demo's 1,100 lines.
#pragma once

#include <functional>
#include <handoff/config.hpp>
#include <string>
#include <utility>
#include <vector>

namespace handoff::test {

/// A bot in the making: languages, a welcome and a fallback from the
/// start; add queues, intents and rules as the test needs them.
///
///     auto cfg = test::bot_builder{}.queue("general").queue("vip", [](auto& q) { q.mode = queue_mode::offer; })
///                    .intent("refund", {"refund"}, "Refunds take 3 days.").build();
class bot_builder {
 public:
  bot_builder() {
    cfg_.name = "test bot";
    cfg_.languages = {"en", "zh"};
    cfg_.welcome.set("", "Hello!");
    cfg_.fallback.set("", "Sorry?");
  }

  bot_builder& languages(std::vector<std::string> tags) {
    cfg_.languages = std::move(tags);
    return *this;
  }

  /// A queue whose skill is its id, changed by `edit`.
  bot_builder& queue(std::string id, const std::function<void(queue_definition&)>& edit = {}) {
    queue_definition q;
    q.id = id;
    q.skill = std::move(id);
    if (edit) edit(q);
    cfg_.queues.push_back(std::move(q));
    return *this;
  }

  /// An intent found by its English keywords, with one answer.
  bot_builder& intent(std::string id, std::vector<std::string> keywords, std::string answer,
                      const std::function<void(intent_definition&)>& edit = {}) {
    intent_definition i;
    i.id = std::move(id);
    i.keywords = {{"en", std::move(keywords)}};
    i.answer.set("", std::move(answer));
    if (edit) edit(i);
    cfg_.intents.push_back(std::move(i));
    return *this;
  }

  /// Business hours, in a time zone.
  bot_builder& hours(business_hours h) {
    cfg_.hours.push_back(std::move(h));
    return *this;
  }

  /// Anything else, on the configuration itself.
  bot_builder& with(const std::function<void(bot_config&)>& edit) {
    edit(cfg_);
    return *this;
  }

  /// The configuration; keyword matchers only, unless changed, so that
  /// nothing is trained.
  bot_config build() const {
    bot_config c = cfg_;
    if (c.understanding.matchers == std::vector<std::string>{"keywords", "linear"})
      c.understanding.matchers = {"keywords"};
    return c;
  }

 private:
  bot_config cfg_;
};

}  // namespace handoff::test
