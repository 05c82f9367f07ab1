// SPDX-License-Identifier: MIT
#include "handoff/sentiment.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_map>
#include <vector>

#include "text/utf8.hpp"

namespace handoff {

std::string_view sentiment::strongest(double at_least) const noexcept {
  std::string_view name;
  double best = at_least;
  auto consider = [&](std::string_view n, double v) {
    if (v >= best) {
      best = v;
      name = n;
    }
  };
  consider("urgency", urgency);
  consider("anxiety", anxiety);
  consider("frustration", frustration);
  consider("anger", anger);  // last: on a tie, anger is what matters most
  return name;
}

double next_mood(double mood, double score) noexcept { return std::clamp(0.6 * mood + score, -1.0, 1.0); }

namespace {

enum class kind : unsigned char { term, negator, intensifier, diminisher };
enum class feeling : unsigned char { none, anger, frustration, anxiety, urgency };

struct entry {
  std::string text;  // normalised
  kind k;
  float weight;  // terms: from -1 to 1; intensifiers and diminishers: the factor
  feeling f;
  bool word_start, word_end;  // must stand as a whole word (spaced scripts)
};

struct raw_entry {
  const char* text;
  kind k;
  float weight;
  feeling f;
};

constexpr kind T = kind::term;
constexpr feeling A = feeling::anger, F = feeling::frustration, X = feeling::anxiety, U = feeling::urgency,
                  N = feeling::none;

// Words and phrases as customers of a shop write them. Longer phrases win
// over the words inside them (不满意 is one negative term, not 不 + 满意).
constexpr raw_entry lexicon[] = {
    // Chinese: anger and abuse.
    {"生气", T, -0.9f, A},
    {"气死", T, -1.0f, A},
    {"愤怒", T, -1.0f, A},
    {"火大", T, -0.9f, A},
    {"恼火", T, -0.8f, A},
    {"垃圾", T, -0.9f, A},
    {"骗子", T, -1.0f, A},
    {"骗人", T, -0.9f, A},
    {"欺骗", T, -0.9f, A},
    {"坑人", T, -0.9f, A},
    {"坑爹", T, -0.8f, A},
    {"无耻", T, -1.0f, A},
    {"恶心", T, -0.9f, A},
    {"滚", T, -0.8f, A},
    {"傻逼", T, -1.0f, A},
    {"妈的", T, -1.0f, A},
    {"他妈", T, -1.0f, A},
    {"tmd", T, -1.0f, A},
    {"尼玛", T, -0.9f, A},
    {"废物", T, -0.9f, A},
    {"黑店", T, -1.0f, A},
    {"投诉", T, -0.6f, A},
    {"曝光", T, -0.8f, A},
    {"报警", T, -0.8f, A},
    {"12315", T, -0.8f, A},
    {"消协", T, -0.8f, A},
    {"什么破", T, -0.9f, A},
    {"破玩意", T, -0.9f, A},
    {"忍无可忍", T, -1.0f, A},
    {"太过分", T, -0.9f, A},
    {"过分", T, -0.7f, A},
    {"欺人太甚", T, -1.0f, A},
    {"态度恶劣", T, -0.9f, A},
    {"恶劣", T, -0.8f, A},
    {"失望透顶", T, -1.0f, F},
    {"气炸", T, -1.0f, A},
    {"受够", T, -0.9f, F},
    {"烂透", T, -1.0f, A},
    {"骗钱", T, -1.0f, A},
    {"吞钱", T, -0.9f, A},
    {"倒闭", T, -0.7f, A},
    {"摆设", T, -0.7f, F},
    {"傻子", T, -0.9f, A},
    {"有完没完", T, -0.9f, A},
    {"负得起责", T, -0.7f, A},
    {"故意的", T, -0.6f, A},
    {"疯了", T, -0.7f, F},
    {"装死", T, -0.8f, A},
    {"诈骗", T, -1.0f, A},
    {"欺骗消费者", T, -1.0f, A},
    {"最差", T, -0.9f, F},
    {"一坨", T, -0.8f, A},
    {"八百遍", T, -0.8f, F},
    {"五遍", T, -0.5f, F},
    {"没人管", T, -0.7f, F},
    {"没人回", T, -0.6f, F},
    {"逗我", T, -0.7f, A},
    {"耽误", T, -0.5f, F},
    {"答非所问", T, -0.7f, F},
    {"糊弄", T, -0.8f, A},
    {"什么玩意", T, -0.9f, A},
    {"破店", T, -1.0f, A},
    {"气得", T, -0.8f, A},
    // Chinese: frustration and disappointment.
    {"失望", T, -0.7f, F},
    {"无语", T, -0.7f, F},
    {"服了", T, -0.6f, F},
    {"受不了", T, -0.8f, F},
    {"烦死", T, -0.8f, F},
    {"烦", T, -0.5f, F},
    {"太慢", T, -0.6f, F},
    {"慢死", T, -0.8f, F},
    {"搞什么", T, -0.7f, F},
    {"折腾", T, -0.5f, F},
    {"没用", T, -0.6f, F},
    {"敷衍", T, -0.8f, F},
    {"踢皮球", T, -0.8f, F},
    {"糟糕", T, -0.6f, F},
    {"差劲", T, -0.8f, F},
    {"太差", T, -0.8f, F},
    {"很差", T, -0.7f, F},
    {"差评", T, -0.7f, F},
    {"不满意", T, -0.7f, F},
    {"不满", T, -0.6f, F},
    {"不靠谱", T, -0.7f, F},
    {"离谱", T, -0.7f, F},
    {"郁闷", T, -0.6f, F},
    {"崩溃", T, -0.8f, F},
    {"闹心", T, -0.6f, F},
    {"心累", T, -0.6f, F},
    {"到底", T, -0.3f, F},
    {"又", T, -0.2f, F},
    {"还没", T, -0.15f, F},
    {"一直没", T, -0.35f, F},
    {"好几次", T, -0.4f, F},
    {"说了多少遍", T, -0.9f, F},
    {"第三次", T, -0.5f, F},
    {"白等", T, -0.6f, F},
    {"浪费时间", T, -0.7f, F},
    {"什么态度", T, -0.9f, A},
    {"态度差", T, -0.8f, A},
    {"上当", T, -0.8f, A},
    {"后悔", T, -0.5f, F},
    {"坑", T, -0.5f, F},
    // Chinese: worry and urgency.
    {"担心", T, -0.5f, X},
    {"着急", T, -0.5f, X},
    {"焦虑", T, -0.6f, X},
    {"害怕", T, -0.5f, X},
    {"急死", T, -0.8f, X},
    {"慌", T, -0.5f, X},
    {"不安", T, -0.4f, X},
    {"怎么办", T, -0.3f, X},
    {"紧急", T, -0.3f, U},
    {"急", T, -0.3f, U},
    {"马上", T, -0.2f, U},
    {"立刻", T, -0.3f, U},
    {"赶紧", T, -0.3f, U},
    {"尽快", T, -0.2f, U},
    {"快点", T, -0.3f, U},
    {"立即", T, -0.3f, U},
    // Chinese: satisfaction.
    {"谢谢", T, 0.5f, N},
    {"感谢", T, 0.5f, N},
    {"满意", T, 0.7f, N},
    {"好评", T, 0.8f, N},
    {"不错", T, 0.6f, N},
    {"很好", T, 0.6f, N},
    {"棒", T, 0.7f, N},
    {"赞", T, 0.6f, N},
    {"喜欢", T, 0.6f, N},
    {"开心", T, 0.7f, N},
    {"高兴", T, 0.7f, N},
    {"完美", T, 0.8f, N},
    {"给力", T, 0.7f, N},
    {"辛苦了", T, 0.4f, N},
    {"解决了", T, 0.5f, N},
    {"没问题", T, 0.3f, N},
    {"挺好", T, 0.6f, N},
    {"放心", T, 0.5f, N},
    // Chinese: negators, intensifiers, diminishers.
    {"不", kind::negator, 0, N},
    {"没", kind::negator, 0, N},
    {"没有", kind::negator, 0, N},
    {"别", kind::negator, 0, N},
    {"无", kind::negator, 0, N},
    {"未", kind::negator, 0, N},
    {"并不", kind::negator, 0, N},
    {"并没有", kind::negator, 0, N},
    {"一点也不", kind::negator, 0, N},
    {"一点都不", kind::negator, 0, N},
    {"从不", kind::negator, 0, N},
    {"不是", kind::negator, 0, N},
    {"非常", kind::intensifier, 1.6f, N},
    {"太", kind::intensifier, 1.5f, N},
    {"特别", kind::intensifier, 1.5f, N},
    {"超级", kind::intensifier, 1.6f, N},
    {"超", kind::intensifier, 1.4f, N},
    {"真的", kind::intensifier, 1.3f, N},
    {"真", kind::intensifier, 1.3f, N},
    {"极其", kind::intensifier, 1.7f, N},
    {"十分", kind::intensifier, 1.5f, N},
    {"很", kind::intensifier, 1.3f, N},
    {"实在", kind::intensifier, 1.4f, N},
    {"简直", kind::intensifier, 1.5f, N},
    {"完全", kind::intensifier, 1.4f, N},
    {"根本", kind::intensifier, 1.4f, N},
    {"越来越", kind::intensifier, 1.4f, N},
    {"有点", kind::diminisher, 0.6f, N},
    {"有些", kind::diminisher, 0.6f, N},
    {"稍微", kind::diminisher, 0.5f, N},
    {"略", kind::diminisher, 0.6f, N},

    // English: anger and abuse.
    {"angry", T, -0.9f, A},
    {"furious", T, -1.0f, A},
    {"outraged", T, -1.0f, A},
    {"livid", T, -1.0f, A},
    {"pissed", T, -0.9f, A},
    {"scam", T, -1.0f, A},
    {"scammers", T, -1.0f, A},
    {"fraud", T, -1.0f, A},
    {"liar", T, -1.0f, A},
    {"liars", T, -1.0f, A},
    {"lied", T, -0.8f, A},
    {"rip off", T, -0.9f, A},
    {"ripoff", T, -0.9f, A},
    {"disgusting", T, -0.9f, A},
    {"pathetic", T, -0.9f, A},
    {"fuck", T, -1.0f, A},
    {"fucking", T, -1.0f, A},
    {"shit", T, -0.9f, A},
    {"crap", T, -0.7f, A},
    {"damn", T, -0.6f, A},
    {"wtf", T, -0.9f, A},
    {"idiot", T, -1.0f, A},
    {"idiots", T, -1.0f, A},
    {"stupid", T, -0.8f, A},
    {"bullshit", T, -1.0f, A},
    {"hate", T, -0.8f, A},
    {"sue", T, -0.8f, A},
    {"lawyer", T, -0.7f, A},
    {"report you", T, -0.8f, A},
    {"complaint", T, -0.5f, A},
    {"complain", T, -0.5f, A},
    {"rude", T, -0.8f, A},
    {"thanks for nothing", T, -0.9f, A},
    {"how dare", T, -0.9f, A},
    {"sick and tired", T, -1.0f, A},
    {"disgusted", T, -0.9f, A},
    {"disgrace", T, -0.9f, A},
    {"disgraceful", T, -0.9f, A},
    {"outrageous", T, -0.9f, A},
    {"appalled", T, -0.9f, A},
    {"appalling", T, -0.9f, A},
    {"shocking", T, -0.7f, F},
    {"nightmare", T, -0.8f, F},
    {"rubbish", T, -0.8f, F},
    {"cheated", T, -0.9f, A},
    {"thieves", T, -1.0f, A},
    {"thief", T, -1.0f, A},
    {"stole", T, -0.9f, A},
    {"clowns", T, -0.9f, A},
    {"the hell", T, -0.8f, A},
    {"lying", T, -0.9f, A},
    {"had enough", T, -0.9f, F},
    {"losing my patience", T, -0.9f, F},
    {"kidding me", T, -0.8f, A},
    {"unbelievable", T, -0.7f, F},
    {"ruined", T, -0.8f, F},
    {"is a joke", T, -0.8f, A},
    {"screw you", T, -1.0f, A},
    {"done with you", T, -0.9f, A},
    {"terrible review", T, -0.9f, A},
    {"bad review", T, -0.8f, A},
    {"disappointment", T, -0.7f, F},
    {"waste of money", T, -0.8f, F},
    {"don't care", T, -0.6f, A},
    {"nobody cares", T, -0.8f, A},
    {"mad", T, -0.8f, A},
    {"so hard", T, -0.4f, F},
    // English: frustration and disappointment.
    {"frustrated", T, -0.8f, F},
    {"frustrating", T, -0.7f, F},
    {"annoyed", T, -0.7f, F},
    {"annoying", T, -0.6f, F},
    {"fed up", T, -0.9f, F},
    {"sick of", T, -0.8f, F},
    {"tired of", T, -0.7f, F},
    {"ridiculous", T, -0.8f, F},
    {"unacceptable", T, -0.9f, F},
    {"terrible", T, -0.8f, F},
    {"awful", T, -0.8f, F},
    {"horrible", T, -0.8f, F},
    {"worst", T, -0.9f, F},
    {"useless", T, -0.8f, F},
    {"incompetent", T, -0.9f, F},
    {"disappointed", T, -0.7f, F},
    {"disappointing", T, -0.7f, F},
    {"a joke", T, -0.6f, F},
    {"nonsense", T, -0.6f, F},
    {"waste of time", T, -0.8f, F},
    {"again", T, -0.2f, F},
    {"still", T, -0.15f, F},
    {"bad", T, -0.6f, F},
    {"poor", T, -0.5f, F},
    {"upset", T, -0.8f, F},
    {"unhappy", T, -0.7f, F},
    {"happy", T, 0.6f, N},
    {"slow", T, -0.4f, F},
    {"third time", T, -0.5f, F},
    {"how many times", T, -0.8f, F},
    {"nobody", T, -0.3f, F},
    {"ignored", T, -0.6f, F},
    {"just great", T, -0.6f, F},
    {"yeah right", T, -0.6f, F},
    {"ugh", T, -0.5f, F},
    {"seriously", T, -0.3f, F},
    // English: worry and urgency.
    {"worried", T, -0.5f, X},
    {"worrying", T, -0.5f, X},
    {"anxious", T, -0.6f, X},
    {"nervous", T, -0.5f, X},
    {"scared", T, -0.6f, X},
    {"afraid", T, -0.5f, X},
    {"concerned", T, -0.4f, X},
    {"panic", T, -0.7f, X},
    {"stressed", T, -0.6f, X},
    {"urgent", T, -0.3f, U},
    {"urgently", T, -0.3f, U},
    {"asap", T, -0.3f, U},
    {"immediately", T, -0.3f, U},
    {"right now", T, -0.3f, U},
    {"right away", T, -0.2f, U},
    {"emergency", T, -0.4f, U},
    {"hurry", T, -0.3f, U},
    // English: satisfaction.
    {"thanks", T, 0.5f, N},
    {"thank you", T, 0.5f, N},
    {"great", T, 0.6f, N},
    {"good", T, 0.5f, N},
    {"love", T, 0.7f, N},
    {"perfect", T, 0.8f, N},
    {"excellent", T, 0.8f, N},
    {"awesome", T, 0.8f, N},
    {"amazing", T, 0.8f, N},
    {"helpful", T, 0.6f, N},
    {"satisfied", T, 0.7f, N},
    {"nice", T, 0.5f, N},
    {"appreciate", T, 0.5f, N},
    {"pleased", T, 0.6f, N},
    {"resolved", T, 0.4f, N},
    {"glad", T, 0.6f, N},
    // English: negators, intensifiers, diminishers.
    {"not", kind::negator, 0, N},
    {"no", kind::negator, 0, N},
    {"never", kind::negator, 0, N},
    {"dont", kind::negator, 0, N},
    {"don't", kind::negator, 0, N},
    {"doesn't", kind::negator, 0, N},
    {"didn't", kind::negator, 0, N},
    {"isn't", kind::negator, 0, N},
    {"wasn't", kind::negator, 0, N},
    {"aren't", kind::negator, 0, N},
    {"won't", kind::negator, 0, N},
    {"can't", kind::negator, 0, N},
    {"cannot", kind::negator, 0, N},
    {"hardly", kind::negator, 0, N},
    {"without", kind::negator, 0, N},
    {"nothing", kind::negator, 0, N},
    {"neither", kind::negator, 0, N},
    {"nor", kind::negator, 0, N},
    {"very", kind::intensifier, 1.4f, N},
    {"really", kind::intensifier, 1.4f, N},
    {"so", kind::intensifier, 1.3f, N},
    {"extremely", kind::intensifier, 1.7f, N},
    {"absolutely", kind::intensifier, 1.6f, N},
    {"totally", kind::intensifier, 1.5f, N},
    {"completely", kind::intensifier, 1.5f, N},
    {"incredibly", kind::intensifier, 1.6f, N},
    {"super", kind::intensifier, 1.4f, N},
    {"utterly", kind::intensifier, 1.7f, N},
    {"too", kind::intensifier, 1.3f, N},
    {"beyond", kind::intensifier, 1.5f, N},
    {"a bit", kind::diminisher, 0.6f, N},
    {"slightly", kind::diminisher, 0.5f, N},
    {"a little", kind::diminisher, 0.6f, N},
    {"somewhat", kind::diminisher, 0.6f, N},
    {"kind of", kind::diminisher, 0.7f, N},
    {"kinda", kind::diminisher, 0.7f, N},
};

struct emoji_entry {
  char32_t c;
  float weight;
  feeling f;
};

constexpr emoji_entry emoji[] = {
    {U'\U0001F621', -1.0f, A}, {U'\U0001F92C', -1.0f, A}, {U'\U0001F620', -0.9f, A}, {U'\U0001F47F', -0.9f, A},
    {U'\U0001F4A2', -0.8f, A}, {U'\U0001F595', -1.0f, A}, {U'\U0001F624', -0.7f, A}, {U'\U0001F62D', -0.6f, F},
    {U'\U0001F622', -0.5f, F}, {U'\U0001F61E', -0.5f, F}, {U'\U0001F629', -0.6f, F}, {U'\U0001F62B', -0.6f, F},
    {U'\U0001F616', -0.5f, F}, {U'\U0001F623', -0.5f, F}, {U'\U0001F644', -0.4f, F}, {U'\U0001F612', -0.4f, F},
    {U'\U0001F630', -0.5f, X}, {U'\U0001F628', -0.5f, X}, {U'\U0001F61F', -0.4f, X}, {U'\U0001F625', -0.4f, X},
    {U'\U0001F60A', 0.5f, N},  {U'\U0001F642', 0.3f, N},  {U'\U0001F600', 0.5f, N},  {U'\U0001F601', 0.5f, N},
    {U'\U0001F604', 0.5f, N},  {U'\U0001F44D', 0.5f, N},  {U'\u2764', 0.5f, N},      {U'\U0001F970', 0.6f, N},
    {U'\U0001F60D', 0.6f, N},  {U'\U0001F64F', 0.3f, N},
};

bool is_ascii_word(char32_t c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '\'';
}

// Punctuation that ends a clause, and with it the reach of a negator.
bool ends_clause(char32_t c) noexcept {
  switch (c) {
    case U'.':
    case U',':
    case U';':
    case U'!':
    case U'?':
    case U':':
    case U'\n':
    case U'。':
    case U'，':
    case U'；':
    case U'！':
    case U'？':
    case U'、':
    case U'：':
    case U'~':
    case U'～': return true;
    default: return false;
  }
}

struct lexicon_index {
  std::vector<entry> entries;
  std::unordered_map<char32_t, std::vector<std::uint32_t>> by_first;  // longest first

  lexicon_index() {
    for (const auto& r : lexicon) {
      entry e;
      e.text = normalize(r.text);
      e.k = r.k;
      e.weight = r.weight;
      e.f = r.f;
      const char32_t first = detail::code_point_at(e.text, 0);
      e.word_start = is_ascii_word(first);
      e.word_end = is_ascii_word(detail::code_point_before(e.text, e.text.size()));
      by_first[first].push_back(static_cast<std::uint32_t>(entries.size()));
      entries.push_back(std::move(e));
    }
    for (auto& [c, list] : by_first)
      std::stable_sort(list.begin(), list.end(),
                       [&](auto a, auto b) { return entries[a].text.size() > entries[b].text.size(); });
  }

  // The longest entry at `pos` of `t`, or null.
  const entry* at(std::string_view t, std::size_t pos, char32_t first) const {
    auto it = by_first.find(first);
    if (it == by_first.end()) return nullptr;
    for (auto i : it->second) {
      const auto& e = entries[i];
      if (t.compare(pos, e.text.size(), e.text) != 0) continue;
      // A space stands for either end of the text, so these also hold there.
      if (e.word_start && is_ascii_word(detail::code_point_before(t, pos))) continue;
      if (e.word_end && is_ascii_word(detail::code_point_at(t, pos + e.text.size()))) continue;
      return &e;
    }
    return nullptr;
  }
};

const lexicon_index& lexicon_table() {
  static const lexicon_index i;
  return i;
}

}  // namespace

lexicon_sentiment::lexicon_sentiment() { (void)lexicon_table(); }

sentiment lexicon_sentiment::analyze(std::string_view raw, const normalized_text& text, std::string_view) const {
  const auto& idx = lexicon_table();
  const std::string_view t = text.text();
  double sum = 0;
  double felt[5] = {0, 0, 0, 0, 0};
  // A negator or an intensifier reaches the next sentiment term within a
  // few words (or Han characters) of the same clause.
  constexpr int reach = 3;
  int negate = 0, boost_left = 0;
  double boost = 1;
  int exclamations = 0, questions_in_row = 0, max_questions = 0;
  for (std::size_t pos = 0; pos < t.size();) {
    std::size_t next = pos;
    const char32_t c = detail::decode_utf8(t, next);
    if (c == U'!' || c == U'！') ++exclamations;
    if (c == U'?' || c == U'？') {
      max_questions = std::max(max_questions, ++questions_in_row);
    } else if (c != U' ') {
      questions_in_row = 0;
    }
    if (ends_clause(c)) {
      negate = boost_left = 0;
      boost = 1;
      pos = next;
      continue;
    }
    if (const entry* e = idx.at(t, pos, c)) {
      pos += e->text.size();
      switch (e->k) {
        case kind::negator: negate = reach; break;
        case kind::intensifier:
        case kind::diminisher:
          boost *= e->weight;
          boost_left = reach;
          break;
        case kind::term: {
          double v = e->weight * boost;
          if (negate > 0) {
            // "not happy" is unhappy, "not bad" mildly good; a negated
            // complaint is no emotion at all.
            v = -0.5 * v;
          } else if (e->f != feeling::none) {
            felt[static_cast<int>(e->f)] += -v;
          }
          sum += v;
          negate = boost_left = 0;
          boost = 1;
          break;
        }
      }
      continue;
    }
    // Not in the lexicon: a word or a character that uses up reach.
    if (is_ascii_word(c)) {
      while (next < t.size()) {
        std::size_t n2 = next;
        if (!is_ascii_word(detail::decode_utf8(t, n2))) break;
        next = n2;
      }
    }
    if (c != U' ') {
      for (const auto& em : emoji)
        if (em.c == c) {
          sum += em.weight;
          if (em.f != feeling::none) felt[static_cast<int>(em.f)] += -em.weight;
        }
      if (negate > 0) --negate;
      if (boost_left > 0 && --boost_left == 0) boost = 1;
    }
    pos = next;
  }

  // Shouting: exclamation marks and words in capitals make bad feelings
  // stronger (and good ones, a little).
  int capitals = 0;
  for (std::size_t i = 0; i < raw.size();) {
    std::size_t j = i, upper = 0;
    while (j < raw.size() && ((raw[j] >= 'A' && raw[j] <= 'Z') || (raw[j] >= 'a' && raw[j] <= 'z'))) {
      upper += raw[j] >= 'A' && raw[j] <= 'Z';
      ++j;
    }
    if (j - i >= 3 && upper == j - i) ++capitals;
    i = j > i ? j : i + 1;
  }
  double amplify = 1 + 0.15 * std::min(exclamations, 4) + 0.2 * std::min(capitals, 3);
  if (max_questions >= 2) {  // "???" is impatience
    sum -= 0.2;
    felt[static_cast<int>(feeling::frustration)] += 0.2;
  }
  if (sum < 0) sum *= amplify;
  sentiment s;
  s.score = std::tanh(sum / 1.2);
  auto level = [&](feeling f) { return std::clamp(felt[static_cast<int>(f)] * (sum < 0 ? amplify : 1.0), 0.0, 1.0); };
  s.anger = level(feeling::anger);
  s.frustration = level(feeling::frustration);
  s.anxiety = level(feeling::anxiety);
  s.urgency = level(feeling::urgency);
  return s;
}

}  // namespace handoff
