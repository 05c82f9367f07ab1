// The README's embedding example: load a bot, feed it events, deliver what comes out.
#include <handoff/handoff.hpp>
#include <iostream>

int main(int argc, char** argv) {
  handoff::engine bot(handoff::load_config(argc > 1 ? argv[1] : "examples/shop/bot.json"));
  bot.handle(handoff::in::agent_status{
      .agent = "alice", .status = handoff::agent_status_kind::online, .skills = std::vector<std::string>{"general"}});
  for (const auto& event : bot.handle(handoff::in::customer_message{.conversation = "c1", .text = "I need a human"})) {
    if (auto e = std::get_if<handoff::out::escalated>(&event)) std::cout << "escalated to " << e->queue << "\n";
    std::cout << handoff::to_json(event) << "\n";  // or hand the typed event to your transport
  }
}
