// SPDX-License-Identifier: MIT
#include <fmt/format.h>

#include "commands.hpp"
#include "handoff/config.hpp"
#include "handoff/engine.hpp"

namespace handoff::cli {

int check(const check_options& options) {
  auto problems = check_config_file(options.config);
  std::size_t errors = 0, warnings = 0;
  for (const auto& p : problems) {
    (p.severity == config_problem::level::error ? errors : warnings)++;
    fmt::print("{}: {}\n", options.config, p.to_string());
  }
  if (errors == 0) {
    // Compile it too: what loads here loads in the engine.
    try {
      engine e(load_config(options.config));
      if (!options.quiet)
        fmt::print("{}: ok: {} languages, {} intents, {} queues, {} rules, {} warning{}\n", options.config,
                   e.config().languages.size(), e.config().intents.size(), e.config().queues.size(),
                   e.config().policy.rules.size(), warnings, warnings == 1 ? "" : "s");
    } catch (const config_error& err) {
      for (const auto& p : err.problems()) fmt::print("{}: {}\n", options.config, p.to_string());
      errors += err.problems().size();
    }
  }
  if (errors) fmt::print(stderr, "{}: {} error{}\n", options.config, errors, errors == 1 ? "" : "s");
  return errors ? 1 : 0;
}

}  // namespace handoff::cli
