// SPDX-License-Identifier: MIT
#include <fmt/format.h>

#include <cstdio>

#include "commands.hpp"
#include "handoff/config.hpp"
#include "handoff/engine.hpp"
#include "handoff/protocol.hpp"
#include "handoff/store.hpp"

namespace handoff::cli {

int run(const run_options& options) {
  auto start = parse_rfc3339(options.clock);
  if (!start) throw error(fmt::format("--clock: \"{}\" is not an RFC 3339 time", options.clock));
  std::unique_ptr<store> kept;
  if (options.store != "memory") kept = open_store(options.store);
  engine_options eo{*start};
  eo.storage = kept.get();
  eo.commit_each_event = options.commit_every <= 1;
  engine eng(load_config(options.config), eo);

  // With batched commits the output waits for its events to be kept: what
  // was written to stdout is always in the store.
  std::vector<output_event> out;
  std::vector<long long> first_line_of;  // per output event, the input line it answers
  std::size_t uncommitted = 0;
  auto write = [&] {
    for (std::size_t i = 0; i < out.size(); ++i) {
      if (auto err = std::get_if<out::error>(&out[i])) err->line = first_line_of[i];
      auto text = to_json(out[i]);
      text += '\n';
      std::fwrite(text.data(), 1, text.size(), stdout);
    }
    std::fflush(stdout);
    out.clear();
    first_line_of.clear();
  };
  std::vector<long long> batch_lines;
  auto commit = [&] {
    if (uncommitted == 0) return;
    try {
      eng.commit();
    } catch (const store_error& e) {
      // None of the batch was kept, and the engine is back to what the
      // store holds: every line of it gets the error instead of output.
      out.clear();
      first_line_of.clear();
      for (long long line : batch_lines) {
        out.emplace_back(out::error{"storage_failed",
                                    fmt::format("the event was not kept, and nothing changed: {}", e.what()),
                                    std::nullopt,
                                    {}});
        first_line_of.push_back(line);
      }
    }
    uncommitted = 0;
    batch_lines.clear();
  };
  read_events(stdin, options.max_line_bytes, [&](long long number, parsed_input& parsed) {
    if (!parsed)
      out.emplace_back(std::move(parsed.error));
    else if (parsed.at)
      eng.handle(*parsed.event, *parsed.at, out);
    else
      eng.handle(*parsed.event, out);
    first_line_of.resize(out.size(), number);
    if (eo.commit_each_event || !kept) {
      write();
      return;
    }
    batch_lines.push_back(number);
    if (++uncommitted >= options.commit_every) {
      commit();
      write();
    }
  });
  commit();
  write();
  return 0;
}

}  // namespace handoff::cli
