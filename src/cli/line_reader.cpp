// SPDX-License-Identifier: MIT
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

}  // namespace handoff::cli
