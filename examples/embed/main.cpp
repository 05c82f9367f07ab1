// The README's embedding example: load a bot, feed it events, deliver what comes out.
#include <handoff/handoff.hpp>
#include <iostream>

int main() {
  handoff::engine bot(handoff::load_config("examples/shop/bot.json"));
  bot.handle(handoff::in::agent_status{
      .agent = "alice", .status = handoff::agent_status_kind::online, .skills = std::vector<std::string>{"general"}});
  for (const auto& event : bot.handle(handoff::in::customer_message{.conversation = "c1", .text = "I need a human"}))
    std::cout << handoff::to_json(event) << "\n";  // escalated, assigned (with the agent's context), ...
}
