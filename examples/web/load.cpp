// SPDX-License-Identifier: MIT
// handoff-web-load: puts a running handoff-web under load from this machine.
// N customers on WebSockets, each writing at a steady rate; a share of them
// ask for a person, and simulated agents (signed in with the agents file's
// tokens) take them, answer each message and hand them back to the bot.
// Reports the connections held, customer messages answered per second, the
// round trip from a message sent to its answer (median and 99th
// percentile), the server's memory per connection, and every message not
// answered. Loopback only, bounded in count and time.
#include <fmt/format.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdio>
#include <deque>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "gatekeeper.hpp"

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using clock_type = std::chrono::steady_clock;

namespace {

struct settings {
  std::string host = "127.0.0.1";
  std::string port;
  int customers = 1000;
  double seconds = 10;
  double rate = 1;  // messages per customer per second
  double human_share = 0.02;
  std::string agents_file;
  int connect_at_once = 256;
  bool json = false;
};

// What customers ask the bot: questions the demo shop answers.
const std::vector<std::string> questions = {"how long does shipping take?",
                                            "what is your refund policy?",
                                            "退货政策是什么",
                                            "运费怎么算",
                                            "do you ship abroad?",
                                            "你们几点上班",
                                            "how do I return an item?",
                                            "发货要多久",
                                            "面霜怎么保存"};

struct figures {
  std::vector<double> round_trips_ms;
  long long sent = 0, answered = 0, refused = 0, asked_for_person = 0, served_by_agent = 0;
  int connected = 0, failed_connections = 0, closed_early = 0;
  bool measuring = false;
};

bool has_type(std::string_view event, std::string_view type) {
  return event.find(fmt::format("\"type\":\"{}\"", type)) != std::string_view::npos;
}

std::string field(std::string_view event, std::string_view name) {
  const auto key = fmt::format("\"{}\":\"", name);
  auto at = event.find(key);
  if (at == std::string_view::npos) return {};
  at += key.size();
  auto end = event.find('"', at);
  return end == std::string_view::npos ? std::string() : std::string(event.substr(at, end - at));
}

class customer : public std::enable_shared_from_this<customer> {
 public:
  customer(net::io_context& io, const settings& s, figures& f, bool asks_for_person, std::uint32_t seed)
      : ws_(io), timer_(ws_.get_executor()), s_(s), f_(f), asks_(asks_for_person), rng_(seed) {}

  void start(const tcp::endpoint& at, std::function<void(bool)> connected) {
    connected_ = std::move(connected);
    beast::get_lowest_layer(ws_).async_connect(at, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->connected_(false);
      self->ws_.async_handshake(self->s_.host, "/ws/customer?lang=en", [self](beast::error_code ec2) {
        self->connected_(!ec2);
        if (ec2) return;
        self->open_ = true;
        self->read();
        // A random phase, so that customers do not all write at once.
        std::uniform_real_distribution<double> phase(0, 1 / self->s_.rate);
        self->schedule(phase(self->rng_));
      });
    });
  }

  void stop_writing() { writing_ = false; }
  bool waiting_for_answer() const { return outstanding_.has_value(); }
  bool open() const { return open_; }
  void close() {
    net::post(ws_.get_executor(), [self = shared_from_this()] {
      beast::error_code ignored;
      beast::get_lowest_layer(self->ws_).socket().close(ignored);
    });
  }

 private:
  void schedule(double after_seconds) {
    timer_.expires_after(
        std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(after_seconds)));
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || !self->open_) return;
      self->tick();
      if (self->writing_) self->schedule(1 / self->s_.rate);
    });
  }

  void tick() {
    // A customer waits for an answer before writing again, and while in
    // line for a person writes nothing.
    if (!writing_ || outstanding_ || waiting_in_line_) return;
    if (asks_ && !asked_ && f_.measuring) {
      asked_ = true;
      ++f_.asked_for_person;
      send(R"({"type":"customer_action","action":"request_human"})");
      return;
    }
    const auto& q = questions[rng_() % questions.size()];
    send(with_agent_ ? R"({"type":"customer_message","text":"thanks, and one more thing"})"
                     : fmt::format(R"({{"type":"customer_message","text":"{}"}})", q));
  }

  void send(std::string event) {
    out_ = std::move(event);
    outstanding_ = clock_type::now();
    counted_ = f_.measuring;
    if (counted_) ++f_.sent;
    ws_.async_write(net::buffer(out_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) self->open_ = false;
    });
  }

  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        if (self->open_ && self->f_.measuring) ++self->f_.closed_early;
        self->open_ = false;
        return;
      }
      const auto data = self->buffer_.cdata();
      self->on_event(std::string_view(static_cast<const char*>(data.data()), data.size()));
      self->buffer_.consume(self->buffer_.size());
      self->read();
    });
  }

  void on_event(std::string_view e) {
    if (has_type(e, "queued") || has_type(e, "escalated")) waiting_in_line_ = true;
    if (has_type(e, "assigned")) {
      waiting_in_line_ = false;
      with_agent_ = true;
      ++f_.served_by_agent;
    }
    if (has_type(e, "handed_back") || has_type(e, "ticket") || has_type(e, "closed")) {
      waiting_in_line_ = false;
      with_agent_ = false;
    }
    const bool answer = has_type(e, "bot_message") || has_type(e, "agent_message") || has_type(e, "escalated") ||
                        has_type(e, "ticket") || has_type(e, "assigned");
    const bool refusal = has_type(e, "error");
    if (!outstanding_ || !(answer || refusal)) return;
    if (counted_) {
      if (refusal) {
        ++f_.refused;
      } else {
        ++f_.answered;
        f_.round_trips_ms.push_back(
            std::chrono::duration<double, std::milli>(clock_type::now() - *outstanding_).count());
      }
    }
    outstanding_.reset();
  }

  websocket::stream<beast::tcp_stream> ws_;
  net::steady_timer timer_;
  beast::flat_buffer buffer_;
  const settings& s_;
  figures& f_;
  bool asks_;
  std::minstd_rand rng_;
  std::function<void(bool)> connected_;
  std::string out_;
  std::optional<clock_type::time_point> outstanding_;
  bool counted_ = false, open_ = false, writing_ = true, asked_ = false, waiting_in_line_ = false, with_agent_ = false;
};

// An agent who takes what comes, answers every message at once, and hands
// the customer back to the bot after three answers.
class agent : public std::enable_shared_from_this<agent> {
 public:
  agent(net::io_context& io, const settings& s, std::string id, std::string token)
      : ws_(io), s_(s), id_(std::move(id)), token_(std::move(token)) {}

  void start(const tcp::endpoint& at) {
    beast::get_lowest_layer(ws_).async_connect(at, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return;
      self->ws_.async_handshake(self->s_.host, fmt::format("/ws/agent?agent={}&token={}", self->id_, self->token_),
                                [self](beast::error_code ec2) {
                                  if (ec2) return;
                                  self->send(R"({"type":"agent_status","status":"online"})");
                                  self->read();
                                });
    });
  }

 private:
  void send(std::string event) {
    queue_.push_back(std::move(event));
    if (queue_.size() == 1) write_next();
  }
  void write_next() {
    ws_.async_write(net::buffer(queue_.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;
      self->queue_.pop_front();
      if (!self->queue_.empty()) self->write_next();
    });
  }
  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;
      const auto data = self->buffer_.cdata();
      self->on_event(std::string_view(static_cast<const char*>(data.data()), data.size()));
      self->buffer_.consume(self->buffer_.size());
      self->read();
    });
  }
  void on_event(std::string_view e) {
    const auto conversation = field(e, "conversation");
    if (has_type(e, "offered") && field(e, "agent") == id_) {
      send(fmt::format(R"({{"type":"agent_accept","conversation":"{}"}})", conversation));
    } else if (has_type(e, "customer_message")) {
      auto& answered = answers_[conversation];
      send(fmt::format(R"({{"type":"agent_message","conversation":"{}","text":"Here you are."}})", conversation));
      if (++answered >= 3) {
        answers_.erase(conversation);
        send(fmt::format(R"({{"type":"agent_release","conversation":"{}","outcome":"to_bot"}})", conversation));
      }
    }
  }

  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  const settings& s_;
  std::string id_, token_;
  std::deque<std::string> queue_;
  std::unordered_map<std::string, int> answers_;
};

double server_resident_bytes(const tcp::endpoint& at) {
  net::io_context io;
  beast::tcp_stream s(io);
  s.connect(at);
  beast::http::request<beast::http::empty_body> req{beast::http::verb::get, "/metrics", 11};
  req.set(beast::http::field::host, "127.0.0.1");
  beast::http::write(s, req);
  beast::flat_buffer b;
  beast::http::response<beast::http::string_body> res;
  beast::http::read(s, b, res);
  std::smatch m;
  const std::string body = res.body();
  if (std::regex_search(body, m, std::regex(R"(\nprocess_resident_memory_bytes ([0-9.e+]+))"))) return std::stod(m[1]);
  return 0;
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

// What one run measured.
struct outcome {
  figures f;
  std::size_t agents = 0;
  long long held = 0, lost = 0;
  double connect_seconds = 0, measured_seconds = 0, memory_per_connection = 0;
};

outcome run(const settings& s, const tcp::endpoint& at) {
  net::io_context io;
  outcome o;
  figures& f = o.f;
  const double before = server_resident_bytes(at);

  std::vector<std::shared_ptr<agent>> agents;
  if (!s.agents_file.empty())
    for (const auto& [id, account] : handoff::web::gatekeeper::read_agents(s.agents_file)) {
      agents.push_back(std::make_shared<agent>(io, s, id, account.token));
      agents.back()->start(at);
    }
  o.agents = agents.size();

  // Connections open a few hundred at a time, so the server's backlog holds.
  std::vector<std::shared_ptr<customer>> customers;
  customers.reserve(static_cast<std::size_t>(s.customers));
  std::mt19937 rng(7);
  std::bernoulli_distribution asks(s.human_share);
  for (int i = 0; i < s.customers; ++i)
    customers.push_back(std::make_shared<customer>(io, s, f, asks(rng), static_cast<std::uint32_t>(rng())));
  std::size_t next = 0;
  int in_flight = 0;
  std::function<void()> open_more = [&] {
    while (in_flight < s.connect_at_once && next < customers.size()) {
      ++in_flight;
      customers[next++]->start(at, [&](bool ok) {
        --in_flight;
        (ok ? f.connected : f.failed_connections) += 1;
        open_more();
      });
    }
  };
  const auto started = clock_type::now();
  open_more();
  // Everyone connected (or refused), then a second to settle, then the measurement.
  const auto connect_deadline = started + std::chrono::seconds(120);
  while (f.connected + f.failed_connections < s.customers && clock_type::now() < connect_deadline)
    io.run_for(std::chrono::milliseconds(50));
  o.connect_seconds = std::chrono::duration<double>(clock_type::now() - started).count();
  io.run_for(std::chrono::seconds(1));
  const double after = server_resident_bytes(at);
  o.memory_per_connection = f.connected > 0 ? (after - before) / f.connected : 0;

  f.measuring = true;
  const auto measure_start = clock_type::now();
  io.run_for(std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(s.seconds)));
  o.measured_seconds = std::chrono::duration<double>(clock_type::now() - measure_start).count();
  for (auto& c : customers) c->stop_writing();
  // Answers still on their way are waited for, a little.
  const auto drain_until = clock_type::now() + std::chrono::seconds(5);
  auto outstanding = [&] {
    return std::count_if(customers.begin(), customers.end(), [](const auto& c) { return c->waiting_for_answer(); });
  };
  while (outstanding() > 0 && clock_type::now() < drain_until) io.run_for(std::chrono::milliseconds(50));
  o.held = std::count_if(customers.begin(), customers.end(), [](const auto& c) { return c->open(); });
  o.lost = f.sent - f.answered - f.refused;
  for (auto& c : customers) c->close();
  io.run_for(std::chrono::milliseconds(500));
  return o;
}

void report(const settings& s, outcome& o) {
  const figures& f = o.f;
  auto rtt = f.round_trips_ms;
  const double p50 = percentile(rtt, 0.50), p99 = percentile(rtt, 0.99);
  const double per_second = static_cast<double>(f.answered) / o.measured_seconds;
  if (s.json) {
    nlohmann::json j{{"customers", s.customers},
                     {"connections_held", o.held},
                     {"failed_connections", f.failed_connections},
                     {"connect_seconds", o.connect_seconds},
                     {"seconds", o.measured_seconds},
                     {"sent", f.sent},
                     {"answered", f.answered},
                     {"refused", f.refused},
                     {"lost", o.lost},
                     {"messages_per_second", per_second},
                     {"p50_ms", p50},
                     {"p99_ms", p99},
                     {"asked_for_person", f.asked_for_person},
                     {"served_by_agent", f.served_by_agent},
                     {"agents", o.agents},
                     {"server_memory_per_connection_bytes", o.memory_per_connection}};
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("connections held: %lld of %d (%d refused), opened in %.1f s\n", o.held, s.customers,
              f.failed_connections, o.connect_seconds);
  std::printf("customer messages: %lld sent, %lld answered, %lld refused, %lld lost, in %.1f s: %.0f per second\n",
              f.sent, f.answered, f.refused, o.lost, o.measured_seconds, per_second);
  std::printf("round trip: median %.2f ms, 99th percentile %.2f ms\n", p50, p99);
  std::printf("asked for a person: %lld, served by an agent: %lld (%zu agents)\n", f.asked_for_person,
              f.served_by_agent, o.agents);
  std::printf("server memory per connection: %.0f bytes\n", o.memory_per_connection);
}

}  // namespace

int main(int argc, char** argv) {
  settings s;
  std::string url;
  CLI::App app{"handoff-web-load: customers and agents on WebSockets against a handoff-web on this machine"};
  app.add_option("--url", url, "ws://127.0.0.1:PORT")->required();
  app.add_option("--customers", s.customers, "Customer connections")
      ->capture_default_str()
      ->check(CLI::Range(1, 60000));
  app.add_option("--seconds", s.seconds, "How long to measure, once all are connected")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 600.0));
  app.add_option("--rate", s.rate, "Messages per customer per second")
      ->capture_default_str()
      ->check(CLI::Range(0.01, 20.0));
  app.add_option("--human-share", s.human_share, "Share of customers who ask for a person")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--agents", s.agents_file, "The server's agents file: every agent in it signs in and works");
  app.add_flag("--json", s.json, "Print the figures as JSON");
  CLI11_PARSE(app, argc, argv);
  std::smatch m;
  if (!std::regex_match(url, m, std::regex(R"(ws://(127\.[0-9.]+|localhost|\[::1\]):([0-9]+)/?)"))) {
    std::fprintf(stderr, "handoff-web-load: --url must be ws://127.x.x.x:PORT (this machine only)\n");
    return 2;
  }
  s.host = m[1] == "localhost" ? "127.0.0.1" : std::string(m[1]);
  s.port = m[2];
  rlimit l{};
  if (getrlimit(RLIMIT_NOFILE, &l) == 0) {
    l.rlim_cur = l.rlim_max;
    setrlimit(RLIMIT_NOFILE, &l);
  }
  try {
    const tcp::endpoint at(net::ip::make_address(s.host == "[::1]" ? "::1" : s.host),
                           static_cast<unsigned short>(std::stoi(s.port)));
    outcome o = run(s, at);
    report(s, o);
    return o.lost == 0 && o.held == s.customers ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "handoff-web-load: %s\n", e.what());
    return 2;
  }
}
