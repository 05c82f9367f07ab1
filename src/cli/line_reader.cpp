// SPDX-License-Identifier: MIT
#include <fmt/format.h>

#include "commands.hpp"

namespace handoff::cli {

line_status read_line(std::FILE* in, std::string& line, std::size_t limit) {
  line.clear();
  bool any = false;
  bool too_long = false;
  // Byte by byte (buffered by stdio), so NUL bytes stay part of the line.
  for (int c; (c = getc_unlocked(in)) != EOF;) {
    any = true;
    if (c == '\n') break;
    if (too_long) continue;
    if (line.size() >= limit) {
      too_long = true;
      std::string().swap(line);
      continue;
    }
    line += static_cast<char>(c);
  }
  if (!any) return line_status::end;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return too_long ? line_status::too_long : line_status::ok;
}

void read_events(std::FILE* in, std::size_t limit, const std::function<void(long long, parsed_input&)>& on) {
  std::string line;
  long long number = 0;
  for (;;) {
    auto status = read_line(in, line, limit);
    if (status == line_status::end) return;
    ++number;
    if (status == line_status::too_long) {
      parsed_input refused;
      refused.error = out::error{"line_too_long", fmt::format("the line is longer than {} bytes", limit), number, {}};
      on(number, refused);
      continue;
    }
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    auto parsed = parse_input(line);
    on(number, parsed);
  }
}

}  // namespace handoff::cli
