// SPDX-License-Identifier: MIT
#include "handoff/matchers/ensemble.hpp"

#include <algorithm>
#include <span>
#include <string>

#include "handoff/normalize.hpp"

namespace handoff {

ensemble_matcher::ensemble_matcher(std::vector<std::unique_ptr<intent_matcher>> parts, double certain)
    : parts_(std::move(parts)), certain_(certain) {}

namespace {

// How near a judging part must have come to an uncertain candidate's intent
// for the candidate to stand: 80% of its threshold. On the demo bot's
// evaluation sets, the keywords that were right and that the statistical
// matcher did not recognise came to 87% and more ("小姐姐在吗", "维修要多久"),
// the stray ones in off-topic questions mostly below 75%
// (docs/BENCHMARKS.md).
constexpr double corroboration = 0.8;

// How near the rest of a message after its courtesies must come to some
// intent for the courtesy to stand as the answer: half of the threshold.
constexpr double far = 0.5;

// A rest that comes no nearer is judged out of scope when it has this many
// words that say something (a Han character counts as one). Shorter rests
// are mostly openers ("can someone help me", "想问点事情"), which are manners
// too and which a bot is rarely taught alone. On the demo bot, 6 gained the
// most off-topic questions for the fewest openers lost
// (docs/BENCHMARKS.md).
constexpr std::uint32_t min_rest_words = 6;

// Or, with two such words or more, when at least this share of its words
// are ones the bot was never taught: an opener is made of words any bot is
// taught ("help", "问题"), an off-topic question names its subject ("joke",
// "笑话", "story"). One word alone ("hello again") is too little to go on.
constexpr double unknown_rest = 0.5;
constexpr std::uint32_t min_unknown_rest_words = 2;

// What the ensemble needs besides its parts' readings.
struct ensemble_scratch final : matcher_scratch {
  normalized_text rest;
  std::vector<std::uint32_t> phrases;
  std::vector<char> read_whole;  // by part: read on the whole message in this call
};

using part_list = std::span<const std::unique_ptr<intent_matcher>>;

// The parts' readings of the whole message. Part k's reading of what it
// was given is `reading.part(k)`; a part that was given the rest after the
// courtesies reads the whole message into `reading.part(n + k)`, once.
class whole_readings {
 public:
  whole_readings(part_list parts, const normalized_text& text, std::string_view language, intent_reading& reading,
                 std::size_t given_rest)
      : parts_(parts), text_(text), language_(language), reading_(reading), given_rest_(given_rest) {
    reading.scratch<ensemble_scratch>().read_whole.assign(parts.size(), 0);
  }

  const intent_reading& of(std::size_t k) {
    if (k < given_rest_) return reading_.part(k);
    auto& r = reading_.part(parts_.size() + k);
    auto& read = reading_.scratch<ensemble_scratch>().read_whole[k];
    if (!read) {
      parts_[k]->read(text_, language_, r);
      read = 1;
    }
    return r;
  }

 private:
  part_list parts_;
  const normalized_text& text_;
  std::string_view language_;
  intent_reading& reading_;
  std::size_t given_rest_;
};

// What the parts' readings come to, when no part was certain and part
// `latest` is the latest that found candidates; `judged_rest` when the parts
// after it were given the rest after the courtesies, of `rest_words`.
void decide(part_list parts, intent_reading& reading, std::size_t latest, bool judged_rest, std::uint32_t rest_words,
            whole_readings& whole) {
  auto& out = reading.candidates;
  auto& phrases = reading.scratch<ensemble_scratch>().phrases;
  // The phrases of earlier parts that a later part overrules still say
  // which of its two best readings is meant, when they name one of them:
  // "my item arrived broken, i want a refund" is an application for one, not
  // a question whether to check a refund's progress. Only the runner-up
  // yields: a phrase of the runner-up's intent does not overturn the best
  // reading.
  phrases.clear();
  for (std::size_t k = 0; k < latest; ++k)
    for (const auto& c : reading.part(k).candidates)
      if (!c.lone_word) phrases.push_back(c.intent);
  out = reading.part(latest).candidates;
  if (!phrases.empty() && out.size() >= 2) {
    auto top = std::max_element(out.begin(), out.end(),
                                [](const auto& a, const auto& b) { return a.confidence < b.confidence; });
    auto second = out.end();
    for (auto it = out.begin(); it != out.end(); ++it)
      if (it != top && it->intent != top->intent && (second == out.end() || it->confidence > second->confidence))
        second = it;
    auto named = [&](std::uint32_t intent) {
      return std::find(phrases.begin(), phrases.end(), intent) != phrases.end();
    };
    if (second != out.end() && named(top->intent) && !named(second->intent)) {
      const auto drop = second->intent;
      std::erase_if(out, [&](const auto& m) { return m.intent == drop; });
    }
  }
  // The candidates left are uncertain, and no later part recognised the
  // message. If a later part judges that the whole message fits no intent,
  // the ones that rest on a lone word were stray words: "hello" in
  // "translate hello into French", "hours" in "how many hours are in a
  // week". Such a one stands only when that part nearly chose its intent
  // itself: "维修要多久" (how long do repairs take) is the repair intent
  // whose keyword it has. A phrase stands: "什么时候发货" (when will it
  // ship) says what the message is about even in a long sentence.
  for (std::size_t k = latest + 1; k < parts.size(); ++k) {
    if (judged_rest) {
      // A greeting with a rest that no part recognised: unless the rest
      // came within half of the threshold of some intent, or is short and
      // made of words the bot knows (an opener such as "can i ask you
      // something"), the message is about something the bot does not know,
      // and the greeting is not its answer.
      const auto& rest_near = reading.part(k).near;
      if (rest_near && rest_near->closeness < far &&
          (rest_words >= min_rest_words ||
           (rest_words >= min_unknown_rest_words && rest_near->unknown >= unknown_rest))) {
        out.clear();
        return;
      }
    }
    const auto& near = whole.of(k).near;
    if (!near) continue;
    const bool corroborated =
        near->closeness >= corroboration &&
        std::any_of(out.begin(), out.end(), [&](const auto& m) { return m.lone_word && m.intent == near->intent; });
    // One word of two intents ("refund": its progress, or applying for
    // one) keeps both when either is corroborated, so the bot can ask.
    if (!corroborated) std::erase_if(out, [](const auto& m) { return m.lone_word; });
    return;
  }
}

}  // namespace

void ensemble_matcher::read_message(const normalized_text& text, std::string_view language,
                                    intent_reading& reading) const {
  // Parts go from the most precise to the most general. One that is certain
  // decides; otherwise a later part that recognises the message overrules
  // the earlier, uncertain ones (a stray keyword in a long sentence), whose
  // candidates stand only when nobody later knows better.
  const std::size_t n = parts_.size();
  auto& s = reading.scratch<ensemble_scratch>();
  // What the later parts judge: the whole message, or what is left of it
  // once the courtesies are cut ("who invented the telephone" of "hello,
  // who invented the telephone").
  const normalized_text* judged = &text;
  std::size_t given_rest = n;  // the first part given the rest
  std::uint32_t rest_words = 0;
  std::size_t latest = n;  // the latest part with candidates
  for (std::size_t k = 0; k < n; ++k) {
    auto& r = reading.part(k);
    parts_[k]->read(*judged, language, r);
    if (r.candidates.empty()) continue;
    for (const auto& c : r.candidates)
      if (c.command || c.confidence >= certain_) {
        reading.candidates = r.candidates;
        return;
      }
    latest = k;
    if (judged == &text && r.rest_words > 0 &&
        std::all_of(r.candidates.begin(), r.candidates.end(), [](const auto& m) { return m.courtesy; })) {
      rest_words = r.rest_words;
      s.rest.assign(r.rest);
      if (!s.rest.tokens().empty()) {
        judged = &s.rest;
        given_rest = k + 1;
      }
    }
  }
  whole_readings whole(parts_, text, language, reading, given_rest);
  if (latest < n) decide(parts_, reading, latest, judged != &text, rest_words, whole);
  // Nothing fits: the near miss of the last part that judges scope, on the
  // whole message.
  if (reading.candidates.empty())
    for (std::size_t k = n; k-- > 0;)
      if (const auto& near = whole.of(k).near) {
        reading.near = near;
        break;
      }
}

}  // namespace handoff
