// SPDX-License-Identifier: MIT
// handoff-web: the demo shop's bot in a browser. A chat widget for the
// customer (`/`), a console for agents (`/agent`), the protocol's events
// over WebSocket, the SQLite store by default.
#include <fmt/format.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <thread>
#include <vector>

#include "handoff/config.hpp"
#include "handoff/error.hpp"
#include "handoff/stores/sqlite.hpp"
#include "handoff/version.hpp"
#include "listener.hpp"
#include "shared_state.hpp"

namespace net = boost::asio;
using namespace handoff;

namespace {

// Ten thousand customers need ten thousand sockets: take all the system allows.
void raise_open_files_limit() {
  rlimit l{};
  if (getrlimit(RLIMIT_NOFILE, &l) == 0 && l.rlim_cur < l.rlim_max) {
    l.rlim_cur = l.rlim_max;
    setrlimit(RLIMIT_NOFILE, &l);
  }
}

int serve(const web::server_options& options) {
  bot_config config = load_config(options.config);
  store_registry stores;
  add_sqlite_store(stores);
  auto kept = options.store == "memory" ? nullptr : stores.open(options.store);
  // The resume tokens' key lives beside the conversations it opens.
  std::string secret = web::gatekeeper::random_secret();
  if (options.store.starts_with("sqlite:"))
    secret = web::gatekeeper::load_or_make_secret(options.store.substr(7) + ".secret");
  auto agents = options.agents.empty() ? std::unordered_map<std::string, web::agent_account>{}
                                       : web::gatekeeper::read_agents(options.agents);
  const std::size_t agent_count = agents.size();

  net::io_context io(options.threads);
  auto state = std::make_shared<web::shared_state>(io, options, std::move(config), std::move(kept),
                                                   web::gatekeeper(std::move(agents), std::move(secret)));
  state->start();
  auto address = net::ip::make_address(options.address);
  auto l = std::make_shared<web::listener>(io, net::ip::tcp::endpoint(address, options.port), state);
  l->run();
  std::printf("handoff-web %s: customers on http://%s:%u/, agents on http://%s:%u/agent (%zu agents), store %s\n",
              std::string(version()).c_str(), options.address.c_str(), l->port(), options.address.c_str(), l->port(),
              agent_count, options.store.c_str());
  std::fflush(stdout);

  net::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    l->stop();
    // Events already read are handled and kept before the sockets close;
    // the loop then ends once the closes are sent.
    state->stop([&io] {
      auto t = std::make_shared<net::steady_timer>(io, std::chrono::milliseconds(300));
      t->async_wait([t, &io](const boost::system::error_code&) { io.stop(); });
    });
  });

  std::vector<std::thread> threads;
  for (int i = 1; i < options.threads; ++i) threads.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : threads) t.join();
  std::printf("handoff-web: stopped\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  web::server_options options;
  CLI::App app{"handoff-web: the bot in a chat widget, and an agent console, over WebSocket"};
  app.add_option("--config", options.config, "The bot's configuration (JSON)")->required();
  std::string listen = "127.0.0.1:8080";
  app.add_option("--listen", listen, "ADDRESS:PORT to listen on (port 0: any free one)")->capture_default_str();
  app.add_option("--store", options.store, "Where conversations are kept: memory, or sqlite:PATH")
      ->capture_default_str();
  app.add_option("--agents", options.agents, "JSON: agent id to {\"token\": ..., \"name\", \"skills\", \"capacity\"}");
  app.add_option("--threads", options.threads, "Threads for sockets")->capture_default_str()->check(CLI::Range(1, 64));
  app.add_option("--max-message-bytes", options.max_message_bytes, "Longer messages are refused")
      ->capture_default_str();
  app.add_option("--rate", options.messages_per_second, "Messages a socket may send per second")->capture_default_str();
  app.add_option("--burst", options.burst, "Messages a socket may send at once")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  const auto colon = listen.rfind(':');
  try {
    if (colon == std::string::npos) throw error(fmt::format("--listen {}: ADDRESS:PORT expected", listen));
    options.address = listen.substr(0, colon);
    if (options.address.starts_with('[') && options.address.ends_with(']'))
      options.address = options.address.substr(1, options.address.size() - 2);
    options.port = static_cast<unsigned short>(std::stoul(listen.substr(colon + 1)));
    raise_open_files_limit();
    return serve(options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "handoff-web: %s\n", e.what());
    return 1;
  }
}
