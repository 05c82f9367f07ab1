// SPDX-License-Identifier: MIT
// Events and conversations as stores keep them: the protocol's JSON, with
// the journal's effects beside each event.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/journal.hpp"
#include "handoff/engine.hpp"
#include "handoff/events.hpp"
#include "handoff/store.hpp"

namespace handoff::detail {

/// An accepted event and what the host answered while it was handled.
stored_event encode_event(const input_event& event, time_point at, std::string_view conversation,
                          const std::vector<effect>& effects);

/// A conversation as it stands, for `store::put_snapshot`: its transcript,
/// if any, is left out.
conversation_snapshot encode_snapshot(const conversation_info& conversation, time_point at);
/// A transcript line, for `store::append_transcript`.
std::string encode_line(const transcript_entry& line);

/// A kept event, read back.
struct replayed_event {
  input_event event;
  std::vector<effect> effects;
};

/// Reads a kept event; throws `store_error` when it is no event of ours.
/// Effects that cannot be read become `unreadable_effect`, which no replay
/// takes.
replayed_event decode_event(const stored_event& kept);

}  // namespace handoff::detail
