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

  std::string line;
  std::vector<output_event> out;
  long long number = 0;
  for (;;) {
    auto status = read_line(stdin, line, options.max_line_bytes);
    if (status == line_status::end) break;
    ++number;
    out.clear();
    if (status == line_status::too_long) {
      out.emplace_back(out::error{
          "line_too_long", fmt::format("the line is longer than {} bytes", options.max_line_bytes), number, {}});
    } else if (line.find_first_not_of(" \t") == std::string::npos) {
      continue;
    } else if (auto parsed = parse_input(line)) {
      if (parsed.at)
        eng.handle(*parsed.event, *parsed.at, out);
      else
        eng.handle(*parsed.event, out);
    } else {
      out.emplace_back(std::move(parsed.error));
    }
    for (auto& e : out) {
      if (auto err = std::get_if<out::error>(&e)) err->line = number;
      auto text = to_json(e);
      text += '\n';
      std::fwrite(text.data(), 1, text.size(), stdout);
    }
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace handoff::cli
