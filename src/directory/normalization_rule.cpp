// Normalization rules: pattern limits, compilation, translation; see
// normalization_rule.hpp.
#include "directory/normalization_rule.hpp"

#include <algorithm>
#include <vector>

#include "directory/text.hpp"

namespace cvw::directory {
namespace {

using detail::field_error;
using detail::is_digit;

using SvMatch = std::match_results<std::string_view::const_iterator>;

// GNU extension: run the regex as an NFA simulation (polynomial in pattern
// and input size) instead of backtracking. Both g++ and clang++ build against
// libstdc++ on Debian 12; elsewhere we fall back to plain ECMAScript and rely
// on the size limits alone.
#if defined(__GLIBCXX__)
constexpr std::regex::flag_type kRegexFlags =
    std::regex::ECMAScript | std::regex_constants::__polynomial;
#else
constexpr std::regex::flag_type kRegexFlags = std::regex::ECMAScript;
#endif

Error in_rule(std::string_view name, const Error& error) {
  return Error{error.status, "rule " + detail::quoted(name) + ": " + error.message};
}

bool printable_ascii(std::string_view text, bool allow_space) {
  for (const char c : text) {
    if (c == ' ' ? !allow_space : (c < '!' || c > '~')) return false;
  }
  return true;
}

// Reads "{n}", "{n,}" or "{n,m}" at pattern[at]; returns the largest count
// the repetition can copy its atom to and advances `at` past the '}'.
// nullopt when the brace is not a quantifier (then it is a literal '{').
std::optional<std::size_t> read_repeat(std::string_view pattern, std::size_t& at,
                                       std::size_t& largest_given) {
  std::size_t i = at + 1;
  auto number = [&](std::size_t& out) {
    const std::size_t start = i;
    out = 0;
    constexpr std::size_t kSaturate = 1'000'000;  // any count this large is refused anyway
    while (i < pattern.size() && is_digit(pattern[i])) {
      out = std::min(kSaturate, out * 10 + static_cast<std::size_t>(pattern[i++] - '0'));
    }
    return i > start;
  };
  std::size_t low = 0;
  std::size_t high = 0;
  if (!number(low)) return std::nullopt;
  bool open = false;
  bool has_high = false;
  if (i < pattern.size() && pattern[i] == ',') {
    ++i;
    has_high = number(high);
    open = !has_high;
  }
  if (i >= pattern.size() || pattern[i] != '}') return std::nullopt;
  at = i;
  largest_given = has_high ? std::max(low, high) : low;
  return has_high ? std::max(low, high) : (open ? low + 1 : low);
}

Error too_complex(std::string_view pattern) {
  return field_error("Pattern", pattern,
                     "too complex: its repetitions expand to more than " +
                         std::to_string(kMaxPatternExpansion) + " elements");
}

// Estimates how many atoms the regex compiler expands `pattern` into: a
// counted repetition copies what it repeats, and nested ones multiply
// ("((\d?){40}){40}" is 1600 copies). Unbalanced or malformed syntax is left
// for the compiler to report.
Result<void> check_pattern_size(std::string_view pattern) {
  std::vector<std::size_t> totals{0};  // atoms so far at each group depth
  std::size_t last = 0;                // size of the atom a quantifier would repeat
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    std::size_t atom = 1;
    switch (pattern[i]) {
      case '\\':
        ++i;
        break;
      case '[':
        for (++i; i < pattern.size() && pattern[i] != ']'; ++i) {
          if (pattern[i] == '\\') ++i;
        }
        break;
      case '(':
        totals.push_back(0);
        if (i + 1 < pattern.size() && pattern[i + 1] == '?') i += 2;  // (?: (?= (?!
        last = 0;
        continue;
      case ')':
        if (totals.size() > 1) {
          atom = totals.back() + 1;
          totals.pop_back();
        }
        break;
      case '|':
        last = 0;
        continue;
      case '*':
      case '+':
      case '?':
        if (i + 1 < pattern.size() && pattern[i + 1] == '?') ++i;  // lazy
        last = 0;
        continue;
      case '{': {
        std::size_t given = 0;
        const std::optional<std::size_t> copies = read_repeat(pattern, i, given);
        if (!copies) break;  // a literal '{'
        if (given > kMaxPatternRepeat)
          return field_error("Pattern", pattern,
                             "a repetition count above " + std::to_string(kMaxPatternRepeat) +
                                 " can never match a dialed number (64 characters at most)");
        if (*copies > 1) totals.back() += last * (*copies - 1);
        if (i + 1 < pattern.size() && pattern[i + 1] == '?') ++i;  // lazy
        last = 0;
        if (totals.back() > kMaxPatternExpansion) return too_complex(pattern);
        continue;
      }
      default:
        break;
    }
    totals.back() += atom;
    last = atom;
    if (totals.back() > kMaxPatternExpansion) return too_complex(pattern);
  }
  std::size_t sum = 0;
  for (const std::size_t t : totals) sum += t;
  if (sum > kMaxPatternExpansion) return too_complex(pattern);
  return {};
}

Result<void> check_translation(std::string_view translation, std::size_t groups) {
  if (translation.empty()) return field_error("Translation", translation, "must not be empty");
  if (translation.size() > kMaxTranslationLength)
    return field_error("Translation", translation,
                       "longer than " + std::to_string(kMaxTranslationLength) + " characters");
  if (!printable_ascii(translation, false))
    return field_error("Translation", translation,
                       "only printable ASCII without spaces is allowed");
  for (std::size_t i = 0; i < translation.size(); ++i) {
    if (translation[i] != '$') continue;
    const char next = i + 1 < translation.size() ? translation[i + 1] : '\0';
    if (next >= '1' && next <= '9') {
      const auto group = static_cast<std::size_t>(next - '0');
      if (group > groups)
        return field_error("Translation", translation,
                           "$" + std::string(1, next) +
                               " refers to a group the pattern does not have (it has " +
                               std::to_string(groups) + ")");
    } else if (next != '$') {
      return field_error("Translation", translation,
                         "'$' must be followed by 1-9 (a group) or $ (a literal $)");
    }
    ++i;
  }
  return {};
}

std::string expand(std::string_view translation, const SvMatch& match) {
  std::string out;
  out.reserve(translation.size() + 16);
  for (std::size_t i = 0; i < translation.size(); ++i) {
    const char c = translation[i];
    if (c != '$') {
      out += c;
      continue;
    }
    const char next = translation[++i];  // check_translation() guarantees one follows
    if (next == '$') {
      out += '$';
    } else {
      const auto group = static_cast<std::size_t>(next - '0');
      if (match[group].matched) out.append(match[group].first, match[group].second);
    }
  }
  return out;
}

}  // namespace

Result<void> validate_rule_name(std::string_view name) {
  if (name.empty()) return field_error("Name", name, "must not be empty");
  if (Result<void> r = detail::check_free_text("Name", name, kMaxRuleNameLength); !r) return r;
  if (name.find('/') != std::string_view::npos)
    return field_error("Name", name,
                       "'/' is not allowed (it separates a dial plan from a rule name)");
  if (name.front() == ' ' || name.back() == ' ')
    return field_error("Name", name, "must not start or end with a space");
  return {};
}

Result<NormalizationRule> NormalizationRule::create(std::string_view name,
                                                    std::string_view description,
                                                    std::string_view pattern,
                                                    std::string_view translation) {
  if (Result<void> r = validate_rule_name(name); !r) return in_rule(name, r.error());
  if (Result<void> r = detail::check_free_text("Description", description, kMaxDescriptionLength);
      !r)
    return in_rule(name, r.error());

  if (pattern.empty()) return in_rule(name, field_error("Pattern", pattern, "must not be empty"));
  if (pattern.size() > kMaxPatternLength)
    return in_rule(name,
                   field_error("Pattern", pattern,
                               "longer than " + std::to_string(kMaxPatternLength) + " characters"));
  if (!printable_ascii(pattern, true))
    return in_rule(name, field_error("Pattern", pattern, "only printable ASCII is allowed"));
  if (Result<void> r = check_pattern_size(pattern); !r) return in_rule(name, r.error());

  std::shared_ptr<const std::regex> regex;
  try {
    regex = std::make_shared<const std::regex>(pattern.begin(), pattern.end(), kRegexFlags);
  } catch (const std::regex_error& e) {
    const std::string problem =
        e.code() == std::regex_constants::error_complexity
            ? "back-references (\\1...) are not supported"
            : std::string("not a valid ECMAScript regular expression: ") + e.what();
    return in_rule(name, field_error("Pattern", pattern, problem));
  }
  if (Result<void> r = check_translation(translation, regex->mark_count()); !r)
    return in_rule(name, r.error());

  NormalizationRule rule;
  rule.name_ = std::string(name);
  rule.description_ = std::string(description);
  rule.pattern_ = std::string(pattern);
  rule.translation_ = std::string(translation);
  rule.regex_ = std::move(regex);
  return rule;
}

Result<std::optional<std::string>> NormalizationRule::apply(std::string_view dialed) const {
  SvMatch match;
  try {
    if (!std::regex_search(dialed.begin(), dialed.end(), match, *regex_))
      return std::optional<std::string>();
  } catch (const std::regex_error& e) {
    return Error{
        500, "rule " + detail::quoted(name_) + ": the pattern could not be matched: " + e.what()};
  }
  return std::optional<std::string>(expand(translation_, match));
}

}  // namespace cvw::directory
