// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <string>

namespace handoff::web {

/// What `handoff-web` is started with, and the limits that keep one socket
/// from hurting the others.
struct server_options {
  std::string config;
  std::string address = "127.0.0.1";
  unsigned short port = 8080;
  /// `memory`, or `sqlite:PATH` (the default, beside the working folder).
  std::string store = "sqlite:handoff-web.db";
  /// The agents and their tokens; no agent can sign in without it.
  std::string agents;
  /// Threads running sockets; the engine's events are handled one at a
  /// time whatever the number.
  int threads = 2;
  /// A message longer than this is answered with an `error` and dropped.
  std::size_t max_message_bytes = 16 * 1024;
  /// A frame longer than this closes the socket (1009, too big), so that
  /// no one makes the server hold a huge message.
  std::size_t max_frame_bytes = 1024 * 1024;
  /// Messages a socket may send per second, with this many at once.
  double messages_per_second = 10;
  double burst = 20;
  /// An agent writes to several customers at once: ten times as many.
  double agent_rate_factor = 10;
  /// Events waiting to be written to one socket; a reader slower than
  /// this is disconnected (it can reconnect and resume).
  std::size_t customer_queue_limit = 256;
  std::size_t agent_queue_limit = 8192;
  /// Events waiting for the engine before new ones are refused (`busy`).
  std::size_t inbox_limit = 100000;
};

}  // namespace handoff::web
