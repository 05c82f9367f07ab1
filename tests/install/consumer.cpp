// Uses handoff as an outside project would: one include, one target.
#include <handoff/handoff.hpp>
#include <iostream>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  handoff::engine bot(handoff::load_config(argv[1]));
  for (const auto& e : bot.handle(handoff::in::customer_message{"c1", "转人工", {}, {}, {}}))
    if (auto esc = std::get_if<handoff::out::escalated>(&e))
      std::cout << "handoff " << handoff::version() << ": escalated to " << esc->queue << "\n";
}
