// Uses handoff and its SQLite store as an outside project would: an engine
// that keeps its events, and a second one that carries on from them.
#include <handoff/handoff.hpp>
#include <handoff/stores/sqlite.hpp>
#include <iostream>

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  const auto config = handoff::load_config(argv[1]);
  {
    auto kept = handoff::open_sqlite_store(argv[2]);
    handoff::engine bot(config, {.storage = kept.get()});
    bot.handle(handoff::in::customer_message{"c1", "你好", {}, {}, {}});
  }
  auto kept = handoff::open_sqlite_store(argv[2]);
  handoff::engine again(config, {.storage = kept.get()});
  if (auto c = again.conversation("c1"))
    std::cout << "handoff " << handoff::version() << ": kept " << c->transcript.size() << " lines\n";
}
