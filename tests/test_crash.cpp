// The crash test: `handoff run --store sqlite:FILE` is killed with SIGKILL
// at random moments, many times, and started again on the same file.
// Whatever output was seen is in the store; the end state is the one a run
// that never crashed reaches.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <handoff/engine.hpp>
#include <handoff/protocol.hpp>
#include <handoff/store.hpp>
#include <handoff/stores/sqlite.hpp>
#include <random>
#include <set>

#include "support/scenario.hpp"
#include "support/stores.hpp"

using namespace handoff;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// A child `handoff run` with its stdin and stdout on pipes.
class child_run {
 public:
  child_run(const std::string& config, const std::string& store) {
    int in[2], out[2];
    REQUIRE(::pipe(in) == 0);
    REQUIRE(::pipe(out) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::dup2(in[0], 0);
      ::dup2(out[1], 1);
      int devnull = ::open("/dev/null", O_WRONLY);
      ::dup2(devnull, 2);
      for (int fd : {in[0], in[1], out[0], out[1], devnull}) ::close(fd);
      const std::string cli = HANDOFF_CLI, store_arg = "sqlite:" + store;
      ::execl(cli.c_str(), cli.c_str(), "run", "--config", config.c_str(), "--store", store_arg.c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    to_ = in[1];
    from_ = out[0];
  }
  ~child_run() {
    kill();
    ::close(to_);
    ::close(from_);
  }
  bool write_line(const std::string& line) {
    std::string data = line + "\n";
    std::size_t done = 0;
    while (done < data.size()) {
      auto n = ::write(to_, data.data() + done, data.size() - done);
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  }
  // The next output line; false at end of output.
  bool read_line(std::string& line) {
    line.clear();
    while (true) {
      auto nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return true;
      }
      char chunk[4096];
      auto n = ::read(from_, chunk, sizeof chunk);
      if (n <= 0) return false;
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }
  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
  int to_ = -1, from_ = -1;
  std::string buffer_;
};

// The customers' messages: each with its id, so a message sent again after
// a crash (its output unseen, so maybe kept, maybe not) is recognised.
std::vector<std::string> script() {
  std::vector<std::string> lines{
      R"({"type":"agent_status","agent":"a1","status":"online","skills":["general","care","senior"],"capacity":3})"};
  const char* texts[] = {"你好",   "退货政策是什么", "where is my order?", "转人工",   "我的快递三天没动了",
                         "thanks", "agent please",   "发货要多久",         "好的谢谢", "hello"};
  std::mt19937 rng(7);
  for (int i = 0; i < 120; ++i) {
    json e{{"type", "customer_message"},
           {"conversation", "c" + std::to_string(rng() % 12)},
           {"text", texts[rng() % std::size(texts)]},
           {"message_id", "m" + std::to_string(i)}};
    lines.push_back(e.dump());
  }
  return lines;
}

std::set<std::string> kept_message_ids(const fs::path& db) {
  std::set<std::string> ids;
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(raw, "SELECT event FROM events", -1, &st, nullptr) == SQLITE_OK);
  while (sqlite3_step(st) == SQLITE_ROW) {
    auto e = json::parse(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
    if (e.contains("message_id")) ids.insert(e["message_id"].get<std::string>());
  }
  sqlite3_finalize(st);
  sqlite3_close(raw);
  return ids;
}

}  // namespace

TEST_CASE("crash test: killed with SIGKILL at random moments, nothing whose output was seen is lost") {
  if (std::string(HANDOFF_CLI).empty()) return;
  const fs::path db = fs::temp_directory_path() / ("handoff-crash-" + std::to_string(::getpid()) + ".db");
  auto clean = [&] {
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix);
  };
  clean();
  const std::string config = test::source_path("examples/shop/bot.json");
  const auto lines = script();
  ::signal(SIGPIPE, SIG_IGN);

  std::mt19937 rng(2026);
  std::size_t next = 0;  // the first event whose output has not been seen
  std::set<std::string> acknowledged;
  int crashes = 0;
  while (next < lines.size()) {
    child_run run(config, db.string());
    // Up to a dozen events this time; then killed, either while idle or
    // right after an event was written (maybe mid-commit).
    const std::size_t burst = 1 + rng() % 12;
    const bool mid_event = rng() % 2 == 0;
    std::size_t sent = 0;
    bool died = false;
    while (next < lines.size() && sent < burst) {
      if (!run.write_line(lines[next])) {
        died = true;
        break;
      }
      ++sent;
      if (mid_event && sent == burst) {
        ::usleep(static_cast<useconds_t>(rng() % 3000));
        break;  // killed before its output is read
      }
      // A metrics question after each event marks the end of its output
      // (questions are answered, not kept).
      run.write_line(R"({"type":"metrics"})");
      std::string out;
      bool answered = false;
      while (run.read_line(out))
        if (json::parse(out)["type"] == "metrics") {
          answered = true;
          break;
        }
      if (!answered) {
        died = true;
        break;
      }
      auto e = json::parse(lines[next]);
      if (e.contains("message_id")) acknowledged.insert(e["message_id"].get<std::string>());
      ++next;
    }
    REQUIRE_FALSE(died);
    run.kill();
    ++crashes;
    // Every event whose output was seen is in the store.
    auto kept = kept_message_ids(db);
    for (const auto& id : acknowledged) {
      CAPTURE(id);
      CHECK(kept.count(id) == 1);
    }
  }
  CHECK(crashes >= 10);

  // The end state is what a run that never crashed reaches.
  engine reference(test::shop_config(), engine_options{*parse_rfc3339("2025-01-06T09:00:00Z")});
  test::run_lines(reference, [&] {
    std::string all;
    for (const auto& l : lines) all += l + "\n";
    return all;
  }());
  auto kept = open_sqlite_store(db);
  engine_options options{*parse_rfc3339("2025-01-06T09:00:00Z")};
  options.storage = kept.get();
  engine restored(test::shop_config(), options);
  for (int i = 0; i < 12; ++i) {
    const std::string id = "c" + std::to_string(i);
    auto want = reference.conversation(id);
    auto got = restored.conversation(id);
    REQUIRE(want.has_value() == got.has_value());
    if (!want) continue;
    CAPTURE(id);
    CHECK(to_json(*got) == to_json(*want));
    CHECK(test::kept_conversation(*kept, id) == nlohmann::json::parse(to_json(*want)));
  }
  kept.reset();
  clean();
}
