// SPDX-License-Identifier: MIT
#pragma once

/// Forward declarations of handoff's main types, for headers that only
/// name them.
namespace handoff {
class engine;
class error;
class config_error;
class intent_matcher;
class keyword_matcher;
class linear_matcher;
class linear_model;
class matcher_registry;
class ensemble_matcher;
class scored_matcher;
class sentiment_analyzer;
class action_registry;
class lexicon_sentiment;
class localized_text;
class normalized_text;
class value;
class store;
class store_registry;
class router;
class intent_reading;
class linear_scratch;
struct bot_config;
struct conversation_info;
struct agent_info;
struct matcher_setup;
struct routing_request;
struct routing_move;
struct customer_info;
struct handoff_context;
struct intent_definition;
struct queue_definition;
struct transcript_entry;
struct parsed_input;
}  // namespace handoff
