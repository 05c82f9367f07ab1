// SPDX-License-Identifier: MIT
#include <fmt/format.h>

#include <cstdio>

#include "commands.hpp"
#include "handoff/config.hpp"
#include "handoff/engine.hpp"
#include "handoff/protocol.hpp"

namespace handoff::cli {

int run(const run_options& options) {
  auto start = parse_rfc3339(options.clock);
  if (!start) throw error(fmt::format("--clock: \"{}\" is not an RFC 3339 time", options.clock));
  engine eng(load_config(options.config), engine_options{*start});

  std::vector<output_event> out;
  read_events(stdin, options.max_line_bytes, [&](long long number, parsed_input& parsed) {
    out.clear();
    if (!parsed)
      out.emplace_back(std::move(parsed.error));
    else if (parsed.at)
      eng.handle(*parsed.event, *parsed.at, out);
    else
      eng.handle(*parsed.event, out);
    for (auto& e : out) {
      if (auto err = std::get_if<out::error>(&e)) err->line = number;
      auto text = to_json(e);
      text += '\n';
      std::fwrite(text.data(), 1, text.size(), stdout);
    }
    std::fflush(stdout);
  });
  return 0;
}

}  // namespace handoff::cli
