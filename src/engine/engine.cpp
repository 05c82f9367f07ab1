// SPDX-License-Identifier: MIT
// The engine's public face: its lock, customer messages understood before
// it is taken, every accepted event kept before its output is handed out,
// and what it tells of conversations and agents.
#include "handoff/engine.hpp"

#include <fmt/format.h>

#include "engine/core.hpp"
#include "handoff/store.hpp"

namespace handoff {

engine::engine(bot_config config, engine_options options)
    : impl_(std::make_unique<impl>(
          std::make_shared<const detail::compiled_bot>(std::move(config), options.matchers, options.actions),
          options)) {
  if (impl_->options.storage) impl_->restore();
}
engine::~engine() = default;
engine::engine(engine&&) noexcept = default;
engine& engine::operator=(engine&&) noexcept = default;

bool engine::rebuild() noexcept {
  try {
    auto fresh = std::make_unique<impl>(impl_->bot, impl_->options);
    fresh->restore();
    fresh->spare = std::move(impl_->spare);
    impl_ = std::move(fresh);
    return true;
  } catch (const std::exception& e) {
    impl_->needs_rebuild = true;
    impl_->storage_problem = e.what();
    return false;
  }
}

void engine::handle_at(const input_event& event, std::optional<time_point> at, std::vector<output_event>& out) {
  // A customer message is understood before the lock is taken, so that
  // conversations understood on several threads do not wait for each
  // other, and host matchers and analysers run outside the lock. The
  // message's buffers come from the engine's spares, and go back to them.
  std::unique_ptr<detail::understood_message> ready;
  if (const auto* message = std::get_if<in::customer_message>(&event)) {
    const sentiment_analyzer* analyzer = nullptr;
    {
      std::lock_guard guard(*lock_);
      impl& m = *impl_;
      if (message->text.size() <= m.bot->cfg.max_message_bytes && !m.needs_rebuild) {
        if (m.spare.empty()) {
          ready = std::make_unique<detail::understood_message>();
        } else {
          ready = std::move(m.spare.back());
          m.spare.pop_back();
        }
        ready->bot = m.bot;
        const detail::conversation* c = m.conversations.find(message->conversation);
        ready->language_before = c ? c->language : std::string();
        ready->confident_before = c && c->language_confident;
        analyzer = m.options.sentiment;
      }
    }
    if (ready) detail::understand(message->text, analyzer ? *analyzer : ready->bot->builtin_sentiment, *ready);
  }

  std::lock_guard guard(*lock_);
  // The compiled bot is let go once the event is handled: a message must
  // not keep an old one alive after a reload.
  struct give_back {
    std::unique_ptr<detail::understood_message>& message;
    std::unique_ptr<engine::impl>& to;
    ~give_back() {
      if (!message) return;
      message->bot.reset();
      to->spare.push_back(std::move(message));
    }
  } returned{ready, impl_};

  impl& m = *impl_;
  if (!m.options.storage) {
    m.process(event, at, out, ready.get());
    return;
  }
  const std::string_view conversation = std::visit(
      [](const auto& e) -> std::string_view {
        if constexpr (requires { e.conversation; })
          return e.conversation;
        else
          return {};
      },
      event);
  auto refuse_storage = [&](const std::string& why) {
    out.emplace_back(out::error{"storage_failed", fmt::format("the event was not kept, and nothing changed: {}", why),
                                std::nullopt, std::string(conversation)});
  };
  if (m.needs_rebuild && !rebuild()) {
    refuse_storage(impl_->storage_problem);
    return;
  }
  impl& live = *impl_;
  const std::size_t first = out.size();
  const time_point when = at && *at > live.now ? *at : live.now;
  live.journal.start(true);
  live.grown.clear();
  live.process(event, at, out, ready.get());
  // A refused event changed nothing, and a question changes nothing: there
  // is nothing to keep.
  bool refused = std::holds_alternative<in::metrics>(event);
  for (std::size_t i = first; i < out.size() && !refused; ++i) refused = std::holds_alternative<out::error>(out[i]);
  if (refused) return;
  try {
    live.persist(event, when, out, first);
    if (live.options.commit_each_event) live.options.storage->commit();
  } catch (const std::exception& e) {
    // The store does not have the event, so the state must not either:
    // go back to what the store holds.
    std::string why = e.what();
    out.resize(first);
    refuse_storage(why);
    live.needs_rebuild = true;
    live.storage_problem = why;
    rebuild();
  }
}

void engine::handle(const input_event& event, std::vector<output_event>& out) { handle_at(event, std::nullopt, out); }

void engine::handle(const input_event& event, time_point at, std::vector<output_event>& out) {
  handle_at(event, at, out);
}

std::vector<output_event> engine::handle(const input_event& event) {
  std::vector<output_event> out;
  handle(event, out);
  return out;
}

void engine::commit() {
  std::lock_guard guard(*lock_);
  impl& m = *impl_;
  if (!m.options.storage) return;
  try {
    m.options.storage->commit();
  } catch (const std::exception& e) {
    m.needs_rebuild = true;
    m.storage_problem = e.what();
    rebuild();
    throw store_error(e.what());
  }
}

time_point engine::now() const noexcept {
  std::lock_guard guard(*lock_);
  return impl_->now;
}

std::optional<time_point> engine::next_due() const {
  std::lock_guard guard(*lock_);
  const time_point t = impl_->earliest_due();
  if (t == time_point::max()) return std::nullopt;
  return t;
}

void engine::tick(time_point at, std::vector<output_event>& out) { handle_at(in::advance{0}, at, out); }

std::optional<conversation_info> engine::conversation(std::string_view id) const {
  std::lock_guard guard(*lock_);
  const auto* c = impl_->conversations.find(id);
  if (!c) return std::nullopt;
  return impl_->info(*c);
}

std::optional<handoff_context> engine::context(std::string_view id) const {
  std::lock_guard guard(*lock_);
  const auto* c = impl_->conversations.find(id);
  if (!c) return std::nullopt;
  return impl_->context(*c);
}

engine_metrics engine::metrics() const {
  std::lock_guard guard(*lock_);
  return impl_->book.figures(impl_->conversations);
}

std::optional<agent_info> engine::agent(std::string_view id) const {
  std::lock_guard guard(*lock_);
  return impl_->router->agent(id);
}

std::size_t engine::open_conversations() const noexcept {
  std::lock_guard guard(*lock_);
  std::size_t n = 0;
  for (const auto& c : impl_->conversations) n += c.state != conversation_state::closed;
  return n;
}

const bot_config& engine::config() const noexcept { return impl_->bot->cfg; }

void engine::reload(bot_config config, const matcher_registry* matchers) {
  // Built outside the lock would be better for a big model; reloads are
  // rare, and a half-swapped configuration is never seen this way.
  std::lock_guard guard(*lock_);
  impl_->reload(std::move(config), matchers);
}

}  // namespace handoff
