// SPDX-License-Identifier: MIT
#pragma once

#include <span>
#include <string_view>

namespace handoff::web {

/// A file of the pages (`www/`), built into the program so that it serves
/// the same pages wherever it runs.
struct asset {
  std::string_view path;
  std::string_view content_type;
  std::string_view body;
};

std::span<const asset> assets() noexcept;
const asset* find_asset(std::string_view path) noexcept;

}  // namespace handoff::web
