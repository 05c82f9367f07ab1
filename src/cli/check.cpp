// SPDX-License-Identifier: MIT
#include <fmt/format.h>

#include <optional>

#include "commands.hpp"
#include "handoff/config.hpp"
#include "handoff/engine.hpp"
#include "handoff/matcher_registry.hpp"
#include "handoff/matchers/linear.hpp"

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
      auto config = load_config(options.config);
      // The engine's own statistical matcher reports how it did in
      // cross-validation: hook its factory rather than train a second one.
      matcher_registry matchers;
      std::optional<linear_matcher_report> report;
      bool silent = false;
      matchers.add("linear", [&](const matcher_setup& s) {
        auto m = std::make_unique<linear_matcher>(s.intents, *s.understanding);
        report = m->report();
        silent = m->model() == nullptr;
        return m;
      });
      engine e(config, {.matchers = &matchers});
      if (!options.quiet) {
        fmt::print("{}: ok: {} languages, {} intents, {} queues, {} rules, {} warning{}\n", options.config,
                   e.config().languages.size(), e.config().intents.size(), e.config().queues.size(),
                   e.config().policy.rules.size(), warnings, warnings == 1 ? "" : "s");
        if (report) {
          // What the bot author needs to judge the examples: how well the
          // statistical matcher did on what it was not shown.
          const auto& r = *report;
          if (silent)
            fmt::print("{}: linear matcher: fewer than three intents have examples or keywords; it stays silent\n",
                       options.config);
          else if (r.threshold_chosen)
            fmt::print(
                "{}: linear matcher: {} intents, {} examples and keywords; out-of-scope threshold {:.2f} chosen by "
                "cross-validation (held back: {:.0f}% of in-scope messages answered right, {:.0f}% of out-of-scope "
                "ones rejected; unknown words weigh {:g}){}\n",
                options.config, r.intents, r.examples, r.threshold, 100 * r.cv_in_scope_accuracy,
                100 * r.cv_out_of_scope_recall, r.unknown_weight,
                r.judges_scope ? "; a keyword that is one word of a longer message it finds out of scope is set aside"
                               : "; too few to tell messages about the intents from others, so a keyword in a "
                                 "longer message stands whatever the matcher reads");
          else
            fmt::print("{}: linear matcher: {} intents; out-of-scope threshold {:.2f} (configured or the model's)\n",
                       options.config, r.intents, r.threshold);
        }
      }
    } catch (const config_error& err) {
      for (const auto& p : err.problems()) fmt::print("{}: {}\n", options.config, p.to_string());
      errors += err.problems().size();
    }
  }
  if (errors) fmt::print(stderr, "{}: {} error{}\n", options.config, errors, errors == 1 ? "" : "s");
  return errors ? 1 : 0;
}

}  // namespace handoff::cli
