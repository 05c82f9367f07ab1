// SPDX-License-Identifier: MIT
#include "server_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/beast/http.hpp>
#include <filesystem>
#include <fstream>
#include <regex>
#include <stdexcept>

namespace handoff::test {
namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using net::ip::tcp;

server_process::server_process(std::vector<std::string> args) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) throw std::runtime_error("pipe");
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(pipe_fds[1], 1);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  out_ = pipe_fds[0];
  // The first line says where it listens.
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd p{out_, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    char buf[512];
    auto n = ::read(out_, buf, sizeof buf);
    if (n <= 0) break;
    line.append(buf, static_cast<std::size_t>(n));
  }
  std::smatch m;
  if (!std::regex_search(line, m, std::regex(R"(http://[^:]+:(\d+)/)")))
    throw std::runtime_error("handoff-web did not start: " + line);
  port_ = static_cast<unsigned short>(std::stoi(m[1]));
}

server_process::~server_process() {
  if (pid_ > 0) stop();
  if (out_ >= 0) ::close(out_);
}

bool server_process::running() const { return pid_ > 0 && ::kill(pid_, 0) == 0; }

int server_process::stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  // Drained so that the server never blocks on a full pipe.
  char buf[512];
  ::fcntl(out_, F_SETFL, O_NONBLOCK);
  for (int i = 0; i < 200; ++i) {
    while (::read(out_, buf, sizeof buf) > 0) {
    }
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    ::usleep(50 * 1000);
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return 137;
}

std::pair<int, std::string> http_get(unsigned short port, const std::string& target) {
  net::io_context io;
  beast::tcp_stream s(io);
  s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1");
  http::write(s, req);
  beast::flat_buffer b;
  http::response<http::string_body> res;
  http::read(s, b, res);
  return {static_cast<int>(res.result_int()), res.body()};
}

ws_client::ws_client(unsigned short port, const std::string& target) : ws_(io_) {
  beast::get_lowest_layer(ws_).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  ws_.handshake("127.0.0.1", target);
}

void ws_client::send(const nlohmann::json& event) { send_text(event.dump()); }

void ws_client::send_text(const std::string& text) {
  ws_.text(true);
  ws_.write(net::buffer(text));
}

void ws_client::send_binary(const std::string& bytes) {
  ws_.binary(true);
  ws_.write(net::buffer(bytes));
  ws_.text(true);
}

std::optional<nlohmann::json> ws_client::next(std::chrono::milliseconds wait) {
  if (closed_) return std::nullopt;
  beast::flat_buffer b;
  std::optional<nlohmann::json> got;
  bool done = false;
  ws_.async_read(b, [&](beast::error_code ec, std::size_t) {
    done = true;
    if (ec) {
      closed_ = true;
      return;
    }
    got = nlohmann::json::parse(beast::buffers_to_string(b.data()));
  });
  io_.restart();
  io_.run_for(wait);
  if (!done) {
    // No event in time: the read is cancelled, which leaves the stream
    // unusable, as Beast documents; the tests read again only after events.
    beast::get_lowest_layer(ws_).cancel();
    io_.restart();
    io_.run();
    closed_ = true;
  }
  return got;
}

std::vector<nlohmann::json> ws_client::until(const std::string& type, std::chrono::milliseconds wait) {
  return until_any({type}, wait);
}

std::vector<nlohmann::json> ws_client::until_any(std::initializer_list<std::string> types,
                                                 std::chrono::milliseconds wait) {
  std::vector<nlohmann::json> seen;
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    auto e = next(left);
    if (!e) return {};
    seen.push_back(*e);
    for (const auto& type : types)
      if ((*e)["type"] == type) return seen;
  }
  return {};
}

std::string always_open_config(const std::string& source_dir) {
  // Removed when the tests end.
  struct written {
    std::filesystem::path path;
    ~written() {
      std::error_code ignored;
      std::filesystem::remove(path, ignored);
    }
  };
  static const written file = [&] {
    const std::filesystem::path shop = std::filesystem::path(source_dir) / "examples" / "shop";
    std::ifstream in(shop / "bot.json");
    auto config = nlohmann::json::parse(in);
    for (auto& [name, hours] : config["business_hours"].items()) {
      hours["weekly"] = {{"daily", "00:00-24:00"}};
      hours["holidays"] = nlohmann::json::array();
    }
    // The copy lives elsewhere: the files it names are the shop's.
    for (auto& [name, action] : config["actions"].items())
      if (action.is_object() && action.contains("file"))
        action["file"] = (shop / action["file"].get<std::string>()).string();
    auto path = std::filesystem::temp_directory_path() / ("handoff-web-bot-" + std::to_string(::getpid()) + ".json");
    std::ofstream(path) << config.dump(1);
    return written{path};
  }();
  return file.path.string();
}

int refused_status(unsigned short port, const std::string& target) {
  // A plain upgrade request, so that the status of a refusal can be read.
  net::io_context io;
  beast::tcp_stream s(io);
  s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::connection, "Upgrade");
  req.set(http::field::upgrade, "websocket");
  req.set(http::field::sec_websocket_version, "13");
  req.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  http::write(s, req);
  beast::flat_buffer b;
  http::response<http::string_body> res;
  http::read(s, b, res);
  return res.result_int() == 101 ? 0 : static_cast<int>(res.result_int());
}

}  // namespace handoff::test
