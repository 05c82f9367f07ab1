// SPDX-License-Identifier: MIT
#include "handoff/matchers/ensemble.hpp"

#include <algorithm>
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

}  // namespace

void ensemble_matcher::match(const normalized_text& text, std::string_view language,
                             std::vector<intent_match>& out) const {
  // Parts go from the most precise to the most general. One that is certain
  // decides; otherwise a later part that recognises the message overrules
  // the earlier, uncertain ones (a stray keyword in a long sentence), whose
  // candidates stand only when nobody later knows better.
  const std::size_t start = out.size();
  std::size_t latest = start;  // where the latest part with candidates begins
  std::size_t latest_part = parts_.size();
  // What the later parts judge: the whole message, or what is left of it
  // once the courtesies are cut ("who invented the telephone" of "hello,
  // who invented the telephone").
  const normalized_text* judged = &text;
  std::uint32_t rest_words = 0;
  thread_local std::string rest_text;
  thread_local normalized_text rest;
  for (std::size_t k = 0; k < parts_.size(); ++k) {
    const std::size_t before = out.size();
    parts_[k]->match(*judged, language, out);
    if (out.size() == before) continue;
    for (std::size_t i = before; i < out.size(); ++i)
      if (out[i].command || out[i].confidence >= certain_) {
        out.erase(out.begin() + static_cast<std::ptrdiff_t>(start), out.begin() + static_cast<std::ptrdiff_t>(before));
        return;
      }
    latest = before;
    latest_part = k;
    if (judged == &text &&
        std::all_of(out.begin() + static_cast<std::ptrdiff_t>(before), out.end(),
                    [](const auto& m) { return m.courtesy; }) &&
        (rest_words = parts_[k]->without_courtesy(text, rest_text)) > 0) {
      rest.assign(rest_text);
      if (!rest.tokens().empty()) judged = &rest;
    }
  }
  // The phrases of earlier parts that a later part overrules still say
  // which of its two best readings is meant, when they name one of them:
  // "my item arrived broken, i want a refund" is an application for one, not
  // a question whether to check a refund's progress. Only the runner-up
  // yields: a phrase of the runner-up's intent does not overturn the best
  // reading.
  thread_local std::vector<std::uint32_t> phrases;
  phrases.clear();
  for (std::size_t i = start; i < latest; ++i)
    if (!out[i].lone_word) phrases.push_back(out[i].intent);
  out.erase(out.begin() + static_cast<std::ptrdiff_t>(start), out.begin() + static_cast<std::ptrdiff_t>(latest));
  if (latest_part == parts_.size()) return;
  const auto first = out.begin() + static_cast<std::ptrdiff_t>(start);
  if (!phrases.empty() && out.end() - first >= 2) {
    auto top =
        std::max_element(first, out.end(), [](const auto& a, const auto& b) { return a.confidence < b.confidence; });
    auto second = out.end();
    for (auto it = first; it != out.end(); ++it)
      if (it != top && it->intent != top->intent && (second == out.end() || it->confidence > second->confidence))
        second = it;
    auto named = [&](std::uint32_t intent) {
      return std::find(phrases.begin(), phrases.end(), intent) != phrases.end();
    };
    if (second != out.end() && named(top->intent) && !named(second->intent)) {
      const auto drop = second->intent;
      out.erase(std::remove_if(first, out.end(), [&](const auto& m) { return m.intent == drop; }), out.end());
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
  for (std::size_t k = latest_part + 1; k < parts_.size(); ++k) {
    if (judged != &text) {
      // A greeting with a rest that no part recognised: unless the rest
      // came within half of the threshold of some intent, or is short and
      // made of words the bot knows (an opener such as "can i ask you
      // something"), the message is about something the bot does not know,
      // and the greeting is not its answer.
      const auto rest_near = parts_[k]->nearest(*judged, language);
      if (rest_near && rest_near->closeness < far &&
          (rest_words >= min_rest_words ||
           (rest_words >= min_unknown_rest_words && rest_near->unknown >= unknown_rest))) {
        out.erase(first, out.end());
        return;
      }
    }
    const auto near = parts_[k]->nearest(text, language);
    if (!near) continue;
    const bool corroborated = near->closeness >= corroboration && std::any_of(first, out.end(), [&](const auto& m) {
                                return m.lone_word && m.intent == near->intent;
                              });
    // One word of two intents ("refund": its progress, or applying for
    // one) keeps both when either is corroborated, so the bot can ask.
    if (!corroborated)
      out.erase(std::remove_if(first, out.end(), [](const auto& m) { return m.lone_word; }), out.end());
    return;
  }
}

std::optional<near_miss> ensemble_matcher::nearest(const normalized_text& text, std::string_view language) const {
  for (auto k = parts_.size(); k-- > 0;)
    if (auto near = parts_[k]->nearest(text, language)) return near;
  return std::nullopt;
}

}  // namespace handoff
