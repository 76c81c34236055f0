// Placeholder-aware comparison of an execution's outcome with AWS's recorded one.
#include "tests/conformance/expected_match.h"

#include <algorithm>
#include <cmath>

#include "engine/json/parse.h"
#include "engine/json/write.h"

namespace stepstream::conformance {

namespace {

using json::Type;
using json::Value;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_lower(char c) {
  return c >= 'a' && c <= 'z';
}

bool digits(std::string_view s, size_t at, size_t n) {
  if (at + n > s.size()) return false;
  for (size_t i = at; i < at + n; ++i)
    if (!is_digit(s[i])) return false;
  return true;
}

// LocalStack masks the execution role's ARN with these words without listing them among the
// case's placeholders; both spellings occur in the recordings.
constexpr std::string_view kRoleArnTokens[] = {"sfn_role_arn", "snf_role_arn"};

bool is_role_arn(std::string_view s) {
  return s.starts_with("arn:aws:iam::") && s.find(":role/") != std::string_view::npos;
}

bool is_partition(std::string_view s) {
  return s.starts_with("aws") &&
         std::all_of(s.begin(), s.end(), [](char c) { return is_lower(c) || c == '-'; });
}

// "us-east-1", "eu-central-2", "us-gov-west-1".
bool is_region(std::string_view s) {
  if (s.empty() || !is_digit(s.back()) || std::count(s.begin(), s.end(), '-') < 2) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return is_lower(c) || is_digit(c) || c == '-'; });
}

bool is_json_text(std::string_view s) {
  json::Arena scratch(1024);
  return json::parse(s, scratch).ok();
}

// One segment of an ARN or a name: what "<ArnPart_0idx>"-style tokens stand for.
bool is_name_part(std::string_view s) {
  return !s.empty() && std::none_of(s.begin(), s.end(), [](char c) {
    return c == ':' || c == '/' || c == '"' || c == ' ' || c == '\n' || c == '\t';
  });
}

// What an angle-bracket token may stand for.
bool angle_kind_ok(std::string_view token, std::string_view text) {
  if (token == "<partition>") return is_partition(text);
  if (token == "<region>") return is_region(text);
  if (token.find("uuid") != std::string_view::npos) return is_uuid(text);
  if (token.starts_with("<json-input")) return is_json_text(text);
  if (token.find("timestamp") != std::string_view::npos ||
      token.find("date") != std::string_view::npos)
    return is_timestamp_text(text);
  return is_name_part(text);
}

// What a bare word that replaced a whole value may stand for.
bool whole_kind_ok(std::string_view token, const Value& got) {
  for (std::string_view t : kRoleArnTokens)
    if (token == t) return got.is_string() && is_role_arn(got.as_string());
  if (token.find("uuid") != std::string_view::npos)
    return got.is_string() && is_uuid(got.as_string());
  if (token.find("time") != std::string_view::npos || token.find("date") != std::string_view::npos)
    return got.is_string() && is_timestamp_text(got.as_string());
  if (token.find("Number") != std::string_view::npos) return got.is_number();
  return !got.is_array() && !got.is_object();
}

bool is_angle_token(std::string_view s) {
  return s.size() > 2 && s.front() == '<' && s.back() == '>' &&
         s.find('<', 1) == std::string_view::npos;
}

std::string text_of(const Value& v) {
  std::string s = json::to_string(v);
  constexpr size_t kMax = 160;
  if (s.size() > kMax) s = s.substr(0, kMax) + "...";
  return s;
}

bool numbers_equal(const Value& a, const Value& b) {
  if (a.is_int() && b.is_int()) return a.as_int() == b.as_int();
  return a.as_double() == b.as_double();
}

}  // namespace

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !is_hex(s[i])) return false;
  }
  return true;
}

bool is_timestamp_text(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS
  if (!digits(s, 0, 4) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2) || s[7] != '-' ||
      !digits(s, 8, 2) || s[10] != 'T' || !digits(s, 11, 2) || s[13] != ':' || !digits(s, 14, 2) ||
      s[16] != ':' || !digits(s, 17, 2))
    return false;
  size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    size_t start = ++i;
    while (i < s.size() && is_digit(s[i]))
      ++i;
    if (i == start) return false;
  }
  if (i == s.size()) return true;
  if (s[i] == 'Z') return i + 1 == s.size();
  return (s[i] == '+' || s[i] == '-') && i + 6 == s.size() && digits(s, i + 1, 2) &&
         s[i + 3] == ':' && digits(s, i + 4, 2);
}

ExpectedMatcher::ExpectedMatcher(const Value& placeholders) {
  auto add = [this](std::string_view token) {
    if (token.empty()) return;
    if (is_angle_token(token))
      angle_.emplace_back(token);
    else
      whole_.emplace(token);
  };
  if (placeholders.is_object()) {
    if (const Value* expected = placeholders.find("expected"); expected && expected->is_array())
      for (const Value& t : expected->items())
        if (t.is_string()) add(t.as_string());
    // A transformer's replacement is the word the recording shows in place of the value. One
    // that replaced an event's whole input or output, which AWS gives as JSON text, stands for
    // any JSON value.
    if (const Value* ts = placeholders.find("expected_transformers"); ts && ts->is_array())
      for (const Value& t : ts->items())
        if (const Value* r = t.find("replacement"); r && r->is_string()) {
          add(r->as_string());
          const Value* kind = t.find("kind");
          const Value* target = t.find("target");
          if (kind && kind->is_string() && kind->as_string() == "jsonpath" && target &&
              target->is_string() &&
              (target->as_string().ends_with("EventDetails.output") ||
               target->as_string().ends_with("EventDetails.input")))
            any_.emplace(r->as_string());
        }
  }
  for (std::string_view t : kRoleArnTokens)
    whole_.emplace(t);
  std::sort(angle_.begin(), angle_.end());
  angle_.erase(std::unique(angle_.begin(), angle_.end()), angle_.end());
  std::stable_sort(angle_.begin(), angle_.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

bool ExpectedMatcher::match_segments(const std::vector<Segment>& segs, size_t i,
                                     std::string_view text, size_t pos) {
  if (i == segs.size()) return pos == text.size();
  const Segment& seg = segs[i];
  std::string_view rest = text.substr(pos);
  if (!seg.token)
    return rest.starts_with(seg.text) && match_segments(segs, i + 1, text, pos + seg.text.size());
  if (auto b = bound_.find(seg.text); b != bound_.end())
    return rest.starts_with(b->second) && match_segments(segs, i + 1, text, pos + b->second.size());
  // Try every length; the literal that follows (if any) prunes most of them cheaply.
  const Segment* next = i + 1 < segs.size() ? &segs[i + 1] : nullptr;
  for (size_t len = next == nullptr ? rest.size() : 1; len <= rest.size(); ++len) {
    if (next != nullptr && !next->token && !rest.substr(len).starts_with(next->text)) continue;
    std::string_view candidate = rest.substr(0, len);
    if (!angle_kind_ok(seg.text, candidate)) continue;
    auto it = bound_.emplace(std::string(seg.text), std::string(candidate)).first;
    if (match_segments(segs, i + 1, text, pos + len)) return true;
    bound_.erase(it);
  }
  return false;
}

bool ExpectedMatcher::match_string(std::string_view expected, std::string_view got) {
  // The recording's own text, placeholders included, reached the output unchanged: a Task mocked
  // from the history returns what the history shows.
  if (expected == got) return true;
  std::vector<Segment> segs;
  size_t literal_start = 0;
  for (size_t pos = 0; pos < expected.size();) {
    const std::string* hit = nullptr;
    if (expected[pos] == '<')
      for (const std::string& t : angle_)
        if (expected.substr(pos).starts_with(t)) {
          hit = &t;
          break;
        }
    if (hit == nullptr) {
      ++pos;
      continue;
    }
    if (pos > literal_start)
      segs.push_back({false, expected.substr(literal_start, pos - literal_start)});
    segs.push_back({true, *hit});
    pos += hit->size();
    literal_start = pos;
  }
  if (segs.empty()) return expected == got;
  if (literal_start < expected.size()) segs.push_back({false, expected.substr(literal_start)});
  return match_segments(segs, 0, got, 0);
}

bool ExpectedMatcher::match_at(const Value& expected, const Value& got, std::string& path,
                               std::string& why) {
  auto differ = [&](std::string_view what) {
    why = (path.empty() ? "$" : "$" + path) + ": " + std::string(what) +
          (what.empty() ? "" : "; ") + "expected " + text_of(expected) + ", got " + text_of(got);
    return false;
  };
  if (expected.is_string()) {
    if (got.is_string() && got.as_string() == expected.as_string()) return true;
    if (auto w = whole_.find(expected.as_string()); w != whole_.end())
      return any_.contains(*w) || whole_kind_ok(*w, got) || differ("placeholder of another kind");
    if (!got.is_string() || !match_string(expected.as_string(), got.as_string())) return differ("");
    return true;
  }
  if (expected.is_number()) return (got.is_number() && numbers_equal(expected, got)) || differ("");
  if (expected.type() != got.type()) return differ("");
  switch (expected.type()) {
    case Type::kNull:
      return true;
    case Type::kBool:
      return expected.as_bool() == got.as_bool() || differ("");
    case Type::kArray: {
      if (expected.size() != got.size()) return differ("array lengths differ");
      for (size_t i = 0; i < expected.size(); ++i) {
        size_t keep = path.size();
        path.append("[").append(std::to_string(i)).append("]");
        if (!match_at(expected.items()[i], got.items()[i], path, why)) return false;
        path.resize(keep);
      }
      return true;
    }
    case Type::kObject: {
      for (const json::Member& m : expected.members()) {
        const Value* g = got.find(m.key);
        size_t keep = path.size();
        path.append(".").append(m.key);
        if (g == nullptr) {
          why = "$" + path + ": missing; expected " + text_of(m.value);
          return false;
        }
        if (!match_at(m.value, *g, path, why)) return false;
        path.resize(keep);
      }
      for (const json::Member& m : got.members())
        if (expected.find(m.key) == nullptr) {
          why = "$" + path + "." + std::string(m.key) + ": unexpected member, got " +
                text_of(m.value);
          return false;
        }
      // Same keys both ways, so only a repeated key can make the counts differ.
      return expected.size() == got.size() || differ("a member is repeated");
    }
    default:
      return differ("");
  }
}

bool ExpectedMatcher::match(const Value& expected, const Value& got, std::string& why) {
  std::string path;
  return match_at(expected, got, path, why);
}

}  // namespace stepstream::conformance
