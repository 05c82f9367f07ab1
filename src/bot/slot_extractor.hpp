// SPDX-License-Identifier: MIT
// Finding a slot's value in what the customer wrote.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "handoff/normalize.hpp"
#include "handoff/slots.hpp"
#include "handoff/time.hpp"

namespace re2 {
class RE2;
}

namespace handoff::detail {

class slot_extractor {
 public:
  /// Compiles the slot's pattern; `slot` must outlive the extractor.
  explicit slot_extractor(const slot_definition& slot);
  slot_extractor(slot_extractor&&) noexcept;
  ~slot_extractor();

  /// The value in a message, if it holds one. `asked`: the bot asked for
  /// this slot, so the whole message may be the answer (`text`). `today`
  /// resolves "tomorrow".
  std::optional<std::string> extract(std::string_view raw, const normalized_text& text, bool asked,
                                     time_point today) const;

  const slot_definition& slot() const noexcept { return *slot_; }

 private:
  const slot_definition* slot_;
  std::unique_ptr<re2::RE2> re_;
};

}  // namespace handoff::detail
