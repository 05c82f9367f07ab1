// Test support: random but valid streams of protocol events, for checking
// the engine against what it answered before (the differential test) and
// against the invariants it promises.
#pragma once

#include <cstdint>
#include <handoff/handoff.hpp>
#include <memory>
#include <string>
#include <vector>

namespace handoff::test {

/// How a generated stream is made.
struct stream_shape {
  /// Events in the stream, harness lines included.
  std::size_t events = 80;
  /// Conversations and agents the events name (some never seen: the
  /// engine must refuse what names them).
  int conversations = 6;
  int agents = 4;
  /// Lines the harness acts on rather than the engine:
  /// `{"type":"$restart"}` (a new engine on the same store),
  /// `{"type":"$reload","config":N}` (`engine::reload`) and
  /// `{"type":"$tick"}` (`engine::tick` at `engine::next_due`).
  bool restarts = true;
  bool reloads = true;
};

/// The stream for a seed: JSON Lines of the protocol (some with `at`),
/// mixed with the harness's own lines. The same seed gives the same
/// stream on every platform: only the standard's exactly specified
/// generator is used, never its distributions.
std::vector<std::string> random_stream(std::uint64_t seed, const stream_shape& shape = {});

/// Bots for the streams, trained once and shared by every engine a test
/// builds (training is not what the streams test).
class stream_bots {
 public:
  stream_bots();
  ~stream_bots();
  /// 0: the demo shop; 1: the shop with offering queues, round robin, first
  /// response targets and shorter waits.
  const bot_config& config(std::size_t n) const;
  std::size_t size() const noexcept;
  /// Registry whose matchers are the ones trained for `config(n)`.
  const matcher_registry& matchers(std::size_t n) const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Runs a stream on an engine of `bots.config(first)`, on a memory store
/// unless `with_store` is false (`$restart` then does nothing), and returns
/// every output line, then what the engine tells of each conversation and
/// agent the stream named, and its metrics: the bytes the differential
/// test compares.
std::string run_stream(const stream_bots& bots, const std::vector<std::string>& lines, std::size_t first = 0,
                       bool trace_decisions = false, bool with_store = true);

/// 64-bit FNV-1a.
std::uint64_t fnv1a(std::string_view bytes) noexcept;

}  // namespace handoff::test
