// A recursive-descent parser for intrinsic calls. Arguments are string literals, numbers, true,
// false, null, paths ($..., $$...) and nested calls; every error names what is wrong and where.
#include "engine/asl/intrinsic_parse.h"

#include <algorithm>
#include <charconv>
#include <memory>
#include <optional>
#include <string>

namespace stepstream::asl {

namespace {

using bytecode::Intrinsic;

constexpr std::string_view kPrefix = "States.";
// AWS: "You can nest up to 10 intrinsic functions within a field". The cap also bounds recursion.
constexpr int kMaxDepth = 10;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alnum(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

class IntrinsicParser {
 public:
  IntrinsicParser(std::string_view text, std::string& error) : text_(text), error_(error) {}

  bool parse(IntrinsicCall& out) {
    skip_space();
    if (!at_call()) return fail("an intrinsic function call must start with 'States.'");
    if (!call(out, 1)) return false;
    skip_space();
    if (pos_ < text_.size()) return fail("unexpected text after the call");
    return true;
  }

 private:
  bool call(IntrinsicCall& out, int depth) {
    size_t start = pos_;
    pos_ += kPrefix.size();
    while (pos_ < text_.size() && is_alnum(text_[pos_]))
      ++pos_;
    std::string_view name = text_.substr(start, pos_ - start);
    std::optional<Intrinsic> f = bytecode::find_intrinsic(name);
    if (!f) return fail_at(start, "unknown intrinsic function '" + std::string(name) + "'");
    out.function = *f;
    skip_space();
    if (!eat('(')) return fail("expected '(' after " + std::string(name));
    skip_space();
    if (!eat(')')) {
      for (;;) {
        IntrinsicArg& a = out.args.emplace_back();
        bool template_arg = *f == Intrinsic::kFormat && out.args.size() == 1;
        if (!arg(a, depth, template_arg)) return false;
        skip_space();
        if (eat(')')) break;
        if (!eat(',')) return fail("expected ',' or ')' after an argument of " + std::string(name));
        skip_space();
      }
    }
    const bytecode::IntrinsicInfo& info = bytecode::info(*f);
    auto n = static_cast<int>(out.args.size());
    if (n < info.min_args || (info.max_args >= 0 && n > info.max_args))
      return fail_at(start, std::string(name) + " takes " + arity(info) + ", but was given " +
                                std::to_string(n));
    return true;
  }

  static std::string arity(const bytecode::IntrinsicInfo& info) {
    auto count = [](int n) { return std::to_string(n) + (n == 1 ? " argument" : " arguments"); };
    if (info.max_args < 0) return "at least " + count(info.min_args);
    if (info.min_args == info.max_args) return count(info.min_args);
    return std::to_string(info.min_args) + " to " + count(info.max_args);
  }

  // `format_template`: the first argument of States.Format, whose escapes the function resolves.
  bool arg(IntrinsicArg& out, int depth, bool format_template) {
    if (pos_ >= text_.size()) return fail("expected an argument, but the text ends");
    char c = text_[pos_];
    if (c == '\'') return string_literal(out, format_template);
    if (c == '-' || is_digit(c)) return number(out);
    if (c == '$') return path(out);
    if (at_call()) {
      if (depth >= kMaxDepth)
        return fail("intrinsic functions nest more than " + std::to_string(kMaxDepth) + " deep");
      out.kind = IntrinsicArg::Kind::kCall;
      out.call = std::make_unique<IntrinsicCall>();
      return call(*out.call, depth + 1);
    }
    size_t start = pos_;
    while (pos_ < text_.size() && is_alnum(text_[pos_]))
      ++pos_;
    std::string_view word = text_.substr(start, pos_ - start);
    out.kind = IntrinsicArg::Kind::kLiteral;
    if (word == "true" || word == "false") {
      out.literal.set(json::Value::boolean(word == "true"));
      return true;
    }
    if (word == "null") return true;  // an OwnedValue starts out null
    if (word.empty()) return fail_at(start, "expected an argument");
    return fail_at(start, "unexpected '" + std::string(word) + "' where an argument belongs");
  }

  // '...' with the escapes \' \{ \} \\ (AWS rejects any other, such as \" or \n). Characters
  // that are not escaped, newlines and double quotes included, stand for themselves.
  bool string_literal(IntrinsicArg& out, bool keep_escapes) {
    size_t start = pos_++;
    std::string s;
    for (;;) {
      if (pos_ >= text_.size()) return fail_at(start, "unterminated string literal");
      char c = text_[pos_++];
      if (c == '\'') break;
      if (c != '\\') {
        s.push_back(c);
        continue;
      }
      if (pos_ >= text_.size()) return fail_at(start, "unterminated string literal");
      char e = text_[pos_];
      if (e != '\'' && e != '{' && e != '}' && e != '\\')
        return fail_at(pos_ - 1, "invalid escape '\\" + std::string(1, e) +
                                     "' in a string literal (only \\', \\{, \\} and \\\\ are "
                                     "allowed)");
      if (keep_escapes) s.push_back('\\');
      s.push_back(e);
      ++pos_;
    }
    out.kind = IntrinsicArg::Kind::kLiteral;
    out.literal.set(json::Value::string(out.literal.arena().copy(s)));
    return true;
  }

  // -?(0|[1-9][0-9]*)(.[0-9]+)?: an integer when it fits int64, a double otherwise.
  bool number(IntrinsicArg& out) {
    size_t start = pos_;
    if (text_[pos_] == '-') ++pos_;
    size_t int_start = pos_;
    while (pos_ < text_.size() && is_digit(text_[pos_]))
      ++pos_;
    size_t digits = pos_ - int_start;
    if (digits == 0) return fail_at(start, "expected digits after '-'");
    if (digits > 1 && text_[int_start] == '0')
      return fail_at(start, "a number must not start with 0");
    bool fraction = pos_ < text_.size() && text_[pos_] == '.';
    if (fraction) {
      ++pos_;
      size_t frac_start = pos_;
      while (pos_ < text_.size() && is_digit(text_[pos_]))
        ++pos_;
      if (pos_ == frac_start) return fail_at(start, "expected digits after '.'");
    }
    if (pos_ < text_.size() && is_alnum(text_[pos_]))
      return fail_at(
          start, "malformed number '" + std::string(text_.substr(start, pos_ + 1 - start)) + "'");
    const char* first = text_.data() + start;
    const char* last = text_.data() + pos_;
    out.kind = IntrinsicArg::Kind::kLiteral;
    int64_t i;
    if (!fraction) {
      auto r = std::from_chars(first, last, i);
      if (r.ec == std::errc() && r.ptr == last) {
        out.literal.set(json::Value::integer(i));
        return true;
      }
    }
    double d;
    auto r = std::from_chars(first, last, d);
    if (r.ec != std::errc() || r.ptr != last) return fail_at(start, "number out of range");
    out.literal.set(json::Value::number(d));
    return true;
  }

  // A path runs to the first ',' or space outside brackets, parentheses and quotes, or to a ')'
  // that closes no parenthesis of its own, so that filters such as $.a[?(@.b == 'x, y')] stay
  // whole while an unbalanced '[' is left for the path parser to report.
  bool path(IntrinsicArg& out) {
    size_t start = pos_;
    int brackets = 0, parens = 0;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if ((brackets > 0 || parens > 0) && (c == '\'' || c == '"')) {
        for (++pos_; pos_ < text_.size() && text_[pos_] != c; ++pos_)
          if (text_[pos_] == '\\') ++pos_;
        if (pos_ < text_.size()) ++pos_;
        continue;
      }
      if (c == '[') {
        ++brackets;
      } else if (c == '(') {
        ++parens;
      } else if (c == ']') {
        if (brackets == 0) break;
        --brackets;
      } else if (c == ')') {
        if (parens == 0) break;
        --parens;
      } else if (brackets == 0 && parens == 0 && (c == ',' || is_space(c))) {
        break;
      }
      ++pos_;
    }
    pos_ = std::min(pos_, text_.size());
    std::string_view text = text_.substr(start, pos_ - start);
    std::string why;
    out.kind = IntrinsicArg::Kind::kPath;
    if (!json::Path::parse(text, out.path, why))
      return fail_at(start, "invalid path '" + std::string(text) + "': " + why);
    return true;
  }

  bool at_call() const { return text_.substr(pos_, kPrefix.size()) == kPrefix; }

  bool eat(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  void skip_space() {
    while (pos_ < text_.size() && is_space(text_[pos_]))
      ++pos_;
  }

  bool fail(std::string message) { return fail_at(pos_, std::move(message)); }

  bool fail_at(size_t at, std::string message) {
    error_ = std::move(message) + " (at character " + std::to_string(at + 1) + " of '" +
             std::string(text_) + "')";
    return false;
  }

  std::string_view text_;
  std::string& error_;
  size_t pos_ = 0;
};

}  // namespace

bool looks_like_intrinsic(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && is_space(text[i]))
    ++i;
  return text.substr(i, kPrefix.size()) == kPrefix;
}

bool parse_intrinsic(std::string_view text, IntrinsicCall& out, std::string& error) {
  out = IntrinsicCall{};
  error.clear();
  return IntrinsicParser(text, error).parse(out);
}

}  // namespace stepstream::asl
