// SPDX-License-Identifier: MIT
// The demo in a terminal: you type as the customer; slash commands let you
// play the agent.
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "commands.hpp"
#include "handoff/config.hpp"
#include "handoff/engine.hpp"
#include "handoff/protocol.hpp"
#include "handoff/store.hpp"
#include "handoff/version.hpp"

namespace handoff::cli {
namespace {

constexpr std::string_view help_text = R"(You are the customer: type anything, or the number of a quick reply.
Play the agent with:
  /online [skills...]    go online (default: every queue's skill)
  /away, /offline        step away, or log off (your conversations go back to the queue)
  /accept, /decline      take or refuse the offered or queued conversation
  /say TEXT              write to the customer as the agent (also: /a TEXT)
  /transfer QUEUE        send the conversation to another queue
  /back                  hand the conversation back to the bot
  /resolve               mark it resolved (the bot then asks for feedback)
  /context               show what the agent was given
As the customer:
  /human                 press the "talk to a human" button
  /cancel                stop waiting for a human
  /vip, /standard        be a VIP or a standard customer from now on
  /rate N                give feedback, 1 to 5
  /leave                 close the chat
  /new                   start a new conversation
As the support lead:
  /reload                read the configuration file again (after you edit its rules); a broken one is refused
  /quit                  leave)";

engine_options kept_in(store* s) {
  engine_options o;
  o.storage = s;
  return o;
}

class session {
 public:
  session(const chat_options& options, bot_config config)
      : options_(options),
        store_(options.store == "memory" ? nullptr : open_store(options.store)),
        engine_(std::move(config), kept_in(store_.get())),
        launched_(std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now())) {
    if (!options.clock.empty()) {
      start_ = parse_rfc3339(options.clock);
      if (!start_) throw error(fmt::format("--clock: \"{}\" is not an RFC 3339 time", options.clock));
    }
    engine_.handle(in::advance{0}, clock(), out_);
    // A kept store holds earlier chats: this one is a new conversation.
    while (engine_.conversation(conversation())) ++conversation_number_;
  }

  void run() {
    print_banner();
    std::string line;
    while (true) {
      prompt();
      if (!std::getline(std::cin, line)) break;
      if (options_.echo) fmt::print("{}\n", line);
      if (!std::cin.good() && line.empty()) break;
      auto first = line.find_first_not_of(" \t");
      if (first == std::string::npos) continue;
      line = line.substr(first);
      if (line == "/quit" || line == "/exit") break;
      if (!command(line)) continue;
    }
    // With a store the customer leaves with the chat, so the next one does
    // not find the agent still busy with this one.
    if (store_) {
      out_.clear();
      engine_.handle(in::customer_left{conversation()}, clock(), out_);
    }
    std::puts("");
  }

 private:
  // The wall clock, or one started at `--clock` that runs at its pace (to
  // try the business hours, or to test at a fixed time).
  time_point clock() const {
    auto real = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    if (!start_) return real;
    return *start_ + (real - launched_);
  }

  std::string paint(std::string_view code, std::string_view text) const {
    if (!options_.color) return std::string(text);
    return fmt::format("\x1b[{}m{}\x1b[0m", code, text);
  }

  void print_banner() {
    fmt::print("{}\n", paint("1", fmt::format("handoff {} · {} · /help for the agent's commands, /quit to leave",
                                              handoff::version(), engine_.config().name)));
    if (options_.agent_online) {
      go_online({});
      fmt::print("{}\n",
                 paint("2", fmt::format("  ·  you also play {}, an agent: ask the bot for a human, then /say ... "
                                        "as {}; /help lists the commands",
                                        options_.agent, options_.agent)));
    }
    // The welcome, as a host shows it when the chat opens.
    send(in::customer_action{conversation(), "choose", welcome_intent(), customer()});
  }

  void go_online(std::vector<std::string> skills) {
    if (skills.empty())
      for (const auto& q : engine_.config().queues) skills.push_back(q.skill);
    send(in::agent_status{options_.agent, agent_status_kind::online, skills, 2, 1, engine_.config().languages});
    fmt::print("{}\n",
               paint("2", fmt::format("  ·  {} is online with skills: {}", options_.agent, fmt::join(skills, ", "))));
  }

  std::string welcome_intent() const {
    for (const auto& i : engine_.config().intents)
      if (i.welcome) return i.id;
    return "hello";
  }

  void prompt() {
    fmt::print("{} ", paint("36", "you  >"));
    std::fflush(stdout);
  }

  std::string conversation() const { return fmt::format("chat-{}", conversation_number_); }
  std::optional<customer_info> customer() const {
    customer_info c;
    c.id = "you";
    c.name = "You";
    c.tier = tier_;
    c.language = options_.language;
    return c;
  }

  void send(const input_event& e) {
    out_.clear();
    engine_.handle(e, clock(), out_);
    for (const auto& o : out_) show(o);
  }

  // Returns false when the line was handled as a command with nothing more to do.
  bool command(const std::string& line) {
    if (line[0] != '/') {
      // A number picks a quick reply, as a tap on it would.
      if (line.size() <= 2 && std::isdigit(static_cast<unsigned char>(line[0]))) {
        auto n = static_cast<std::size_t>(std::stoi(line));
        if (n >= 1 && n <= replies_.size()) {
          auto value = replies_[n - 1].value;
          if (value == "request_human")
            send(in::customer_action{conversation(), "request_human", {}, customer()});
          else
            send(in::customer_action{conversation(), "choose", value, customer()});
          return true;
        }
      }
      send(in::customer_message{conversation(), line, customer(), {}, "terminal"});
      return true;
    }
    std::istringstream words(line);
    std::string cmd;
    words >> cmd;
    std::string rest;
    std::getline(words, rest);
    if (auto p = rest.find_first_not_of(' '); p != std::string::npos)
      rest = rest.substr(p);
    else
      rest.clear();
    const std::string& agent = options_.agent;

    if (cmd == "/help") {
      fmt::print("{}\n", help_text);
    } else if (cmd == "/online") {
      std::vector<std::string> skills;
      std::istringstream s(rest);
      for (std::string k; s >> k;) skills.push_back(k);
      go_online(std::move(skills));
    } else if (cmd == "/away" || cmd == "/offline") {
      send(in::agent_status{
          agent, cmd == "/away" ? agent_status_kind::away : agent_status_kind::offline, {}, {}, {}, {}});
      fmt::print("{}\n", paint("2", fmt::format("  ·  {} is {}", agent, cmd.substr(1))));
    } else if (cmd == "/accept") {
      send(in::agent_accept{agent, conversation()});
    } else if (cmd == "/decline") {
      send(in::agent_decline{agent, conversation()});
    } else if (cmd == "/say" || cmd == "/a") {
      send(in::agent_message{agent, conversation(), rest});
    } else if (cmd == "/transfer") {
      send(in::agent_transfer{agent, conversation(), rest, {}, "from the terminal"});
    } else if (cmd == "/back") {
      send(in::agent_release{agent, conversation(), release_outcome::to_bot, {}});
    } else if (cmd == "/resolve") {
      send(in::agent_release{agent, conversation(), release_outcome::resolved, {}});
    } else if (cmd == "/context") {
      fmt::print("{}\n", last_context_.empty() ? "  (no agent has been given this conversation yet)" : last_context_);
    } else if (cmd == "/human") {
      send(in::customer_action{conversation(), "request_human", {}, customer()});
    } else if (cmd == "/cancel") {
      send(in::customer_action{conversation(), "cancel_handoff", {}, customer()});
    } else if (cmd == "/vip" || cmd == "/standard") {
      tier_ = cmd.substr(1);
      fmt::print("{}\n", paint("2", fmt::format("  ·  you are now a {} customer", tier_)));
    } else if (cmd == "/rate") {
      int score = rest.empty() ? 0 : std::atoi(rest.c_str());
      if (score < 1 || score > 5) {
        fmt::print("  /rate takes a score from 1 to 5\n");
      } else {
        send(in::feedback{conversation(), score, {}});
      }
    } else if (cmd == "/leave") {
      send(in::customer_left{conversation()});
    } else if (cmd == "/reload") {
      try {
        engine_.reload(load_config(options_.config));
        fmt::print("{}\n",
                   paint("2", fmt::format("  ·  reloaded {}; conversations carry on under it", options_.config)));
      } catch (const std::exception& e) {
        fmt::print("  {} was refused; the old configuration stays:\n  {}\n", options_.config, e.what());
      }
    } else if (cmd == "/new") {
      ++conversation_number_;
      replies_.clear();
      last_context_.clear();
      fmt::print("{}\n", paint("2", fmt::format("  ·  new conversation {}", conversation())));
      send(in::customer_action{conversation(), "choose", welcome_intent(), customer()});
    } else {
      fmt::print("  unknown command {}; /help lists them\n", cmd);
    }
    return false;
  }

  void system(std::string_view text) { fmt::print("{}\n", paint("2", fmt::format("  ·  {}", text))); }

  void show(const output_event& e) {
    std::visit(
        [&](const auto& ev) {
          using T = std::decay_t<decltype(ev)>;
          if constexpr (std::is_same_v<T, out::bot_message>) {
            fmt::print("{} {}\n", paint("32", "bot  >"), ev.text);
            if (!ev.quick_replies.empty()) {
              replies_ = ev.quick_replies;
              std::string line = "      ";
              for (std::size_t i = 0; i < ev.quick_replies.size(); ++i)
                line += fmt::format(" [{}] {} ", i + 1, ev.quick_replies[i].label);
              fmt::print("{}\n", paint("33", line));
            }
          } else if constexpr (std::is_same_v<T, out::escalated>) {
            system(fmt::format("escalated to {} at {} priority: {} (rule {})", ev.queue, to_string(ev.priority),
                               ev.reason, ev.rule));
          } else if constexpr (std::is_same_v<T, out::queued>) {
            system(fmt::format("waiting in {}: position {}, about {} s", ev.queue, ev.position,
                               ev.estimated_wait_seconds));
          } else if constexpr (std::is_same_v<T, out::offered>) {
            system(fmt::format("offered to {}: /accept or /decline", ev.agent));
          } else if constexpr (std::is_same_v<T, out::assigned>) {
            system(fmt::format("{} holds the conversation. Summary for the agent: {}", ev.agent, ev.context.summary));
            system(fmt::format("{} sees {} transcript lines (/context shows them); reply with /say", ev.agent,
                               ev.context.transcript.size()));
            std::string ctx;
            for (const auto& t : ev.context.transcript)
              ctx += fmt::format("  {} {:<8} {}\n", format_rfc3339(t.at).substr(11, 8), to_string(t.role), t.text);
            last_context_ = fmt::format("  summary: {}\n{}", ev.context.summary, ctx);
            if (!last_context_.empty() && last_context_.back() == '\n') last_context_.pop_back();
          } else if constexpr (std::is_same_v<T, out::agent_message>) {
            fmt::print("{} {}\n", paint("35", fmt::format("{:<5}>", ev.agent)), ev.text);
          } else if constexpr (std::is_same_v<T, out::customer_message>) {
            system(fmt::format("delivered to {}", ev.agent));
          } else if constexpr (std::is_same_v<T, out::transferred>) {
            system(fmt::format("{} transferred it to {}", ev.from_agent, ev.queue.empty() ? ev.to_agent : ev.queue));
          } else if constexpr (std::is_same_v<T, out::handed_back>) {
            system("the bot has the conversation again");
          } else if constexpr (std::is_same_v<T, out::resolved>) {
            system("resolved");
          } else if constexpr (std::is_same_v<T, out::closed>) {
            system(fmt::format("closed ({}); /new starts another conversation", ev.reason));
          } else if constexpr (std::is_same_v<T, out::ticket>) {
            system(fmt::format("ticket made for {} ({}); try /online first to play the agent", ev.queue, ev.reason));
          } else if constexpr (std::is_same_v<T, out::error>) {
            fmt::print("{}\n", paint("31", fmt::format("  !  {}: {}", ev.code, ev.message)));
          }
        },
        e);
  }

  const chat_options& options_;
  std::unique_ptr<store> store_;
  engine engine_;
  time_point launched_;
  std::optional<time_point> start_;
  std::vector<output_event> out_;
  std::vector<quick_reply> replies_;
  std::string tier_ = "standard";
  std::string last_context_;
  int conversation_number_ = 1;
};

}  // namespace

int chat(const chat_options& options) {
  session s(options, load_config(options.config));
  s.run();
  return 0;
}

}  // namespace handoff::cli
