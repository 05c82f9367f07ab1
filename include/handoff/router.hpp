// SPDX-License-Identifier: MIT
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "handoff/events.hpp"
#include "handoff/fwd.hpp"
#include "handoff/time.hpp"

/// Who serves which customer: the waiting lines per queue, the agents and
/// their load, offers and their lapse, positions and waits. The engine
/// decides that a person is needed and tells everyone what happens; the
/// router decides who and when.
namespace handoff {

/// A copy of what the router knows of one agent.
struct agent_info {
  std::string id;
  agent_status_kind status = agent_status_kind::offline;
  std::vector<std::string> skills;
  int capacity = 1;
  int level = 1;
  std::vector<std::string> languages;
  /// Conversations held or offered.
  std::vector<std::string> conversations;
};

/// A conversation that needs a person, as the router sees it.
struct routing_request {
  std::string_view conversation;
  std::string_view queue;
  handoff::priority priority = priority::normal;
  /// Skills an agent needs besides the queue's.
  std::span<const std::string> skills;
  /// The language the conversation is in: while anyone online who could
  /// serve it speaks it, it waits for such an agent.
  std::string_view language;
};

/// Where a conversation joins its line (among those of its priority).
enum class line_place {
  /// Behind everyone: a new handoff.
  back,
  /// Ahead of everyone: its agent went away and it goes on.
  front,
  /// Where it stood before: a transfer to another queue keeps its turn.
  kept,
};

/// Something the router did, for the engine to tell the people concerned,
/// in the order it happened.
struct routing_move {
  enum class kind {
    /// `agent` is offered `conversation` and must accept (an `offer` queue).
    offered,
    /// `agent` holds `conversation` (an `assign` queue).
    assigned,
    /// `conversation` waits in `queue` at `position`, for about
    /// `wait_seconds`: new, or changed since it was last told.
    queued,
  };
  kind what = kind::queued;
  std::string conversation;
  std::string agent;
  std::string queue;
  int position = 0;
  long long wait_seconds = 0;
};

/// A queue at a moment, for the policy's `queue.<id>.*` facts.
struct queue_figures {
  /// Within its business hours.
  bool open = false;
  std::size_t waiting = 0;
  /// Online agents with the queue's skill.
  int agents_online = 0;
  /// What a newcomer would wait; nothing with no one online.
  std::optional<long long> wait_seconds;
};

/// The router's interface. The built-in (`make_local_router`) keeps
/// everything in the engine's memory; a router whose state lives in a
/// shared database implements the same. The engine calls it under its
/// lock, one event at a time, with the engine's clock; the same calls give
/// the same moves, so a replay routes as the first run did.
class router {
 public:
  virtual ~router() = default;

  // ---- agents -------------------------------------------------------------

  /// An agent comes online, goes away or offline, or changes skills or
  /// load (fields left empty keep what is known). Going away or offline,
  /// the agent lets go of what they held or were offered: those
  /// conversations are appended to `let_go`, in order, and are no one's
  /// until the engine puts them back in line.
  virtual void set_agent(const in::agent_status& status, std::vector<std::string>& let_go) = 0;
  virtual std::optional<agent_info> agent(std::string_view id) const = 0;
  /// Nothing for an agent who never reported a status.
  virtual std::optional<agent_status_kind> status(std::string_view agent) const = 0;
  /// Whether the agent holds fewer conversations than their capacity.
  virtual bool has_room(std::string_view agent) const = 0;
  /// Agents online, over all queues.
  virtual int agents_online() const = 0;

  // ---- queues and lines ---------------------------------------------------

  /// Whether `queue` is within its business hours at `now`.
  virtual bool open(std::string_view queue, time_point now) const = 0;
  /// Whether any queue is.
  virtual bool any_open(time_point now) const = 0;
  /// Whether anyone online could ever serve the request, room or not.
  virtual bool could_serve(const routing_request& request) const = 0;
  /// Puts a conversation in its queue's line, forgetting who declined it.
  virtual void enqueue(const routing_request& request, line_place place) = 0;
  /// The language of a conversation in line or with an agent changed.
  virtual void set_language(std::string_view conversation, std::string_view language) = 0;
  /// The conversation leaves the line, or its agent lets go of it.
  virtual void leave(std::string_view conversation) = 0;
  /// Gives waiting conversations to agents with room, the most urgent and
  /// then the longest waiting first, then tells those still waiting where
  /// they stand (`announce`).
  virtual void dispatch(time_point now, std::vector<routing_move>& moves) = 0;
  /// Tells those waiting where they stand when it changed since they were
  /// last told, and `again` in any case.
  virtual void announce(std::vector<routing_move>& moves, std::string_view again = {}) = 0;
  /// The figures of `queue`; nothing for a queue it does not know.
  virtual std::optional<queue_figures> figures(std::string_view queue, time_point now) const = 0;
  /// A conversation of `queue` took that long to handle: the queue's wait
  /// estimates learn from it.
  virtual void handled(std::string_view queue, double seconds) = 0;

  // ---- offers and holds ---------------------------------------------------

  /// `agent` takes `conversation`: offered to them (an accept), waiting in
  /// line (an accept from the queue), or let go by another agent (a
  /// transfer to them).
  virtual void take(std::string_view conversation, std::string_view agent, time_point now) = 0;
  /// An offer declined, or a conversation whose agent did not answer in
  /// time: back to its place in line, and that agent is not offered it
  /// again this round. Returns the agent.
  virtual std::string take_back(std::string_view conversation) = 0;
  /// Whether `agent` declined the conversation in this round.
  virtual bool declined(std::string_view conversation, std::string_view agent) const = 0;
  /// A new handoff of the conversation, whether it joins a line or not:
  /// whoever declined it before may be offered it again.
  virtual void forget_declines(std::string_view conversation) = 0;
  /// Whether an agent other than the one holding the conversation could
  /// take it now.
  virtual bool someone_else(std::string_view conversation) const = 0;
  /// When the first offer not yet accepted lapses; nothing without offers.
  virtual std::optional<time_point> next_lapse() const = 0;
  /// Takes back every offer that has lapsed by `now`, appending each
  /// conversation and the agent it was offered to; when everyone who could
  /// take one has let it lapse, its round starts again. Returns when the
  /// next offer still out lapses (`time_point::max()` for none).
  virtual time_point lapse(time_point now, std::vector<std::pair<std::string, std::string>>& lapsed) = 0;

  /// Takes the queues of a new configuration: lines and what the queues
  /// learnt stay with the queues of the same id.
  virtual void reconfigure(const bot_config& config) = 0;
};

/// Builds a router for a configuration (`engine_options::router`).
using router_factory = std::function<std::unique_ptr<router>(const bot_config&)>;

/// The built-in router, in the engine's memory. It picks, among online
/// agents with the skills a conversation needs and room for it, those who
/// speak its language while any of them is online, then a senior agent
/// where the queue prefers one, then by the queue's `strategy`. It
/// estimates waits from the queue's recent handling times: with every
/// agent busy a place frees every handling time / capacity on average.
std::unique_ptr<router> make_local_router(const bot_config& config);

}  // namespace handoff
