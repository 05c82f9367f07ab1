// Test support: stores for tests: fresh SQLite files in the temporary
// directory, and engines that start at the scripted clock's nine o'clock.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <handoff/engine.hpp>
#include <handoff/store.hpp>
#include <handoff/time.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace handoff::test {

namespace fs = std::filesystem;

// A fresh path in the temporary directory, removed (with SQLite's side
// files) when the test ends.
struct temp_db {
  fs::path path;
  explicit temp_db(std::string_view name) {
    path = fs::temp_directory_path() / fmt_name(name);
    clean();
  }
  ~temp_db() { clean(); }
  void clean() const {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(path.string() + suffix);
  }
  static std::string fmt_name(std::string_view name) {
    return "handoff-test-" + std::to_string(::getpid()) + "-" + std::string(name) + ".db";
  }
};

inline engine_options at_nine(store* s) {
  engine_options o;
  o.start = *parse_rfc3339("2025-01-06T09:00:00Z");
  o.storage = s;
  return o;
}

/// A conversation as a store keeps it, snapshot and transcript lines put
/// back together: what `to_json(conversation_info)` gave, parsed; null when
/// the store has no snapshot of it.
inline nlohmann::json kept_conversation(const store& s, std::string_view id) {
  auto snap = s.snapshot(id);
  if (!snap) return nullptr;
  auto j = nlohmann::json::parse(snap->json);
  j["transcript"] = nlohmann::json::array();
  for (const auto& line : s.transcript(id)) j["transcript"].push_back(nlohmann::json::parse(line));
  return j;
}

}  // namespace handoff::test
