// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "handoff/actions.hpp"
#include "handoff/business_hours.hpp"
#include "handoff/error.hpp"
#include "handoff/fwd.hpp"
#include "handoff/localized_text.hpp"
#include "handoff/policy.hpp"
#include "handoff/privacy.hpp"
#include "handoff/recommend.hpp"
#include "handoff/slots.hpp"
#include "handoff/value.hpp"

/// The bot's configuration: one JSON document, checked when loaded into
/// these typed structures. `docs/config.md` describes every field.
namespace handoff {

/// A quick reply whose label is given per language.
struct localized_reply {
  localized_text label;
  /// What choosing it sends: an intent id, or `request_human`.
  std::string value;
};

/// Strings given per language (keywords, patterns, examples).
using strings_by_language = std::vector<std::pair<std::string, std::vector<std::string>>>;

/// Something a customer may want, how to recognise it and how to answer.
struct intent_definition {
  std::string id;
  /// What the intent is called on a button, per language: the bot asks
  /// "check a refund's progress, or apply for one?" with these. Only
  /// labelled intents are offered in such a question.
  localized_text label;
  /// Phrases that mean this intent wherever they occur in a message
  /// (whole words in spaced scripts).
  strings_by_language keywords;
  /// RE2 patterns, matched against the normalised message.
  strings_by_language patterns;
  /// Example messages (training data for statistical matchers).
  strings_by_language examples;
  localized_text answer;
  std::vector<localized_reply> quick_replies;
  /// The customer asks for a human: the fact `human_requested` holds.
  bool requests_human = false;
  /// Answer with the welcome text and menu (a greeting).
  bool welcome = false;
  /// Manners rather than a subject (a greeting, thanks, a goodbye; a
  /// `welcome` is one): said along with another intent's keyword, it gives
  /// way, so "refund, thanks" is a bare "refund". A greeting said with
  /// enough else leaves the rest to decide what the message is about, so
  /// "hello, who invented the telephone" is out of scope.
  bool courtesy = false;
  /// What the intent needs before it answers; the bot asks for each
  /// missing one in turn. `{name}` in the answer and the responses is
  /// replaced by its value.
  std::vector<slot_definition> slots;
  /// Called once the slots are filled: an action of the configuration's
  /// `actions` or one the host registers.
  std::string action;
  /// The answer for each outcome of the action (`found`, `not_found`, ...);
  /// `answer` for an outcome not listed.
  std::vector<std::pair<std::string, localized_text>> responses;
};

/// The records of a `lookup` action's file, as they were read.
struct lookup_records {
  std::string file;
  std::vector<named_values> rows;
};

/// A built-in action declared in the configuration. `lookup` finds a
/// record in a JSON file (an array of objects) by a slot's value.
struct action_definition {
  std::string name;
  /// The JSON file; relative paths are relative to the configuration file.
  std::string file;
  /// The slot whose value is looked up, and the records' field that holds it.
  std::string key;
  /// The record's field whose value is the outcome (`status`: `shipped`,
  /// `paid`, ...); `found` when empty. A missing record is `not_found`.
  std::string outcome_field;
  /// Fields set from the slots of the same names (the new address), when
  /// the outcome is one of `update_when`; the records are kept in memory.
  std::vector<std::string> update;
  std::vector<std::string> update_when;
  /// The file's records, read by `load_config` (and `parse_config`), so
  /// that building an engine reads no file; each engine keeps its own
  /// copy, with its updates. Used while `file` is the file they came from.
  std::shared_ptr<const lookup_records> records;
};

/// Whether a queue hands a conversation straight to an agent or offers it.
enum class queue_mode { assign, offer };

/// Which free agent a queue gives the next conversation to: the one
/// holding fewest, the next in turn, or the one waiting longest since
/// their last.
enum class queue_strategy { least_busy, round_robin, longest_idle };

struct queue_definition {
  std::string id;
  /// The skill an agent needs to serve it; by default the queue's id.
  std::string skill;
  queue_mode mode = queue_mode::assign;
  queue_strategy strategy = queue_strategy::least_busy;
  /// An offer not accepted within this many seconds goes to the next agent.
  int offer_seconds = 60;
  /// An agent who has not written within this many seconds of taking a
  /// conversation: it goes to another agent who can take it, or is tagged
  /// `slow_first_response` when none can. 0: no target.
  int first_response_seconds = 0;
  /// A customer waiting longer than this is offered a call-back (the
  /// `wait_too_long` notice, with `callback` and `keep_waiting` buttons). 0: no limit.
  int max_wait_seconds = 0;
  /// Agents of at least this `level` are chosen first when one is free (a
  /// senior desk prefers senior agents); 0: no preference.
  int prefer_level = 0;
  /// Used to estimate waits before the queue has history.
  int average_handle_seconds = 300;
  /// The `business_hours` its people keep; empty: always open. Outside
  /// them a handoff becomes a ticket.
  std::string hours;
};

/// The bot's own sentences around a handoff; `{position}`, `{minutes}`,
/// `{agent}` and `{queue}` are replaced where they appear.
struct notice_texts {
  localized_text queued;
  localized_text assigned;
  localized_text ticket;
  localized_text handed_back;
  localized_text survey;
  localized_text feedback_thanks;
  /// Asked when two intents are close; the choices follow as quick replies.
  localized_text clarify;
  /// Instead of `ticket` when the queue is outside its business hours;
  /// `{opens}` is when it opens next, in the queue's local time.
  localized_text closed;
  /// The customer has not answered the bot for `timers.customer_silent.remind_after` seconds.
  localized_text silent_reminder;
  /// Said as the conversation is closed for silence.
  localized_text silent_closed;
  /// The wait is over the queue's `max_wait_seconds`: a call-back is offered.
  localized_text wait_too_long;
  /// The labels of the call-back offer's two buttons.
  localized_text callback;
  localized_text keep_waiting;
};

/// Timers on the engine's clock.
struct timer_settings {
  /// Seconds of customer silence after the bot spoke before a reminder
  /// (`silent_reminder`), and before the conversation is closed
  /// (`closed`, reason `timeout`). 0: never.
  int silent_remind_after = 0;
  int silent_close_after = 0;
};

/// How messages are understood: which intent matchers run, and how sure
/// they must be.
struct understanding_settings {
  /// Matchers by name, in order; more than one are combined by the
  /// ensemble (an earlier matcher that is certain decides alone).
  std::vector<std::string> matchers{"keywords", "linear"};
  /// A keyword match covering at least this share of the message is
  /// certain: the statistical matcher is not consulted.
  double certain = 0.9;
  /// The out-of-scope threshold of the statistical matcher; unset, it is
  /// chosen by cross-validation of the intents' examples.
  std::optional<double> threshold;
  /// Ask which of two intents is meant when the runner-up's confidence is
  /// at least this share of the best's; 1 asks on ties only, 2 never.
  double clarify_ratio = 0.5;
  /// A message out of scope that came at least this share of the
  /// statistical matcher's threshold to a labelled intent gets a fallback
  /// that offers that intent first among its quick replies ("did you
  /// mean...?"); above 1 never.
  double suggest = 0.6;
  /// A trained model file to use instead of training on the examples;
  /// relative paths are relative to the configuration file.
  std::string model;
  /// That file's model, read by `load_config` (and `parse_config`), so
  /// that building an engine reads no file. Used while `model` is
  /// `loaded_from`.
  std::shared_ptr<const linear_model> loaded_model;
  std::string loaded_from;
  /// Training is deterministic for a seed.
  std::uint32_t seed = 1;
  /// Messages the bot does not handle, per language: they sharpen the
  /// out-of-scope threshold.
  strings_by_language out_of_scope;
  /// Host matchers' own settings by matcher name (`understanding.settings`),
  /// for their factories (`matcher_setup::settings`).
  std::vector<std::pair<std::string, value>> settings;
};

struct bot_config {
  std::string name;
  /// The first is the default, used when a message shows no language.
  std::vector<std::string> languages;
  /// Customer messages longer than this (in bytes) are refused.
  std::size_t max_message_bytes = 8192;
  localized_text welcome;
  std::vector<localized_reply> menu;
  localized_text fallback;
  std::vector<localized_reply> fallback_replies;
  notice_texts notices;
  std::vector<intent_definition> intents;
  std::vector<queue_definition> queues;
  std::vector<business_hours> hours;
  std::vector<action_definition> actions;
  /// The built-in repurchase suggestion after a good score; none when unset.
  std::optional<repurchase_settings> recommendation;
  /// What is redacted before anything is kept or exported.
  privacy_settings privacy;
  timer_settings timers;
  policy_definition policy;
  understanding_settings understanding;

  const intent_definition* find_intent(std::string_view id) const noexcept;
  const queue_definition* find_queue(std::string_view id) const noexcept;
  const business_hours* find_hours(std::string_view id) const noexcept;
  const action_definition* find_action(std::string_view action) const noexcept;
};

/// One thing wrong (or doubtful) in a configuration.
struct config_problem {
  enum class level { error, warning };
  level severity = level::error;
  /// A stable id such as `handoff.config.missing`; `docs/config.md` lists them.
  std::string id;
  /// A JSON pointer to the place, e.g. `/intents/3/answer`.
  std::string pointer;
  std::string message;

  /// `error [handoff.config.missing] /intents/3/answer: ...`
  std::string to_string() const;
};

/// A configuration that cannot be used; `what()` lists every problem.
class config_error : public error {
 public:
  config_error(std::string source, std::vector<config_problem> problems);
  const std::vector<config_problem>& problems() const noexcept { return problems_; }

 private:
  std::vector<config_problem> problems_;
};

/// Reads and checks a configuration; throws `config_error` naming every
/// problem (and `error` when the file cannot be read).
bot_config load_config(const std::filesystem::path& file);
bot_config parse_config(std::string_view json_text, std::string_view source = "<config>");

/// Checks without throwing: every problem found, errors and warnings. An
/// unreadable file or malformed JSON is one error at pointer "".
std::vector<config_problem> check_config(std::string_view json_text);
std::vector<config_problem> check_config_file(const std::filesystem::path& file);

}  // namespace handoff
