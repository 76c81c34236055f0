// Parses `--name value`, `--name=value`, `-o value`, flags, `--` and positionals against a spec.
#include "cli/args.h"

namespace stepstream::cli {

struct ArgsBuilder {
  static void add(Args& a, std::string_view name, std::string value) {
    a.values_[std::string(name)].push_back(std::move(value));
  }
  static void add_positional(Args& a, std::string value) {
    a.positional_.push_back(std::move(value));
  }
};

namespace {

const OptionSpec* find_long(const CommandSpec& spec, std::string_view name) {
  for (const auto& o : spec.options)
    if (o.name == name) return &o;
  return nullptr;
}

const OptionSpec* find_short(const CommandSpec& spec, char c) {
  for (const auto& o : spec.options)
    if (o.short_name != 0 && o.short_name == c) return &o;
  return nullptr;
}

}  // namespace

std::optional<std::string> Args::get(std::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

const std::vector<std::string>& Args::all(std::string_view name) const {
  static const std::vector<std::string> kNone;
  auto it = values_.find(name);
  return it == values_.end() ? kNone : it->second;
}

ParseResult parse_args(const CommandSpec& spec, std::span<char* const> argv) {
  ParseResult r;
  bool only_positional = false;
  for (size_t i = 0; i < argv.size(); ++i) {
    std::string_view a = argv[i];
    if (only_positional || a.size() < 2 || a[0] != '-') {
      ArgsBuilder::add_positional(r.args, std::string(a));
      continue;
    }
    if (a == "--") {
      only_positional = true;
      continue;
    }
    if (a == "--help" || a == "-h") {
      r.help = true;
      continue;
    }
    const OptionSpec* opt = nullptr;
    std::optional<std::string> inline_value;
    std::string shown;
    if (a.starts_with("--")) {
      std::string_view body = a.substr(2);
      if (auto eq = body.find('='); eq != std::string_view::npos) {
        inline_value = std::string(body.substr(eq + 1));
        body = body.substr(0, eq);
      }
      opt = find_long(spec, body);
      shown = "--" + std::string(body);
    } else {
      opt = find_short(spec, a[1]);
      shown = std::string(a.substr(0, 2));
      if (a.size() > 2) inline_value = std::string(a.substr(2));  // -Xkey=value
    }
    if (opt == nullptr) {
      r.errors.push_back("unknown option " + shown);
      continue;
    }
    if (opt->value_name.empty()) {
      if (inline_value) {
        r.errors.push_back("option " + shown + " takes no value");
        continue;
      }
      ArgsBuilder::add(r.args, opt->name, "");
    } else {
      std::string value;
      if (inline_value) {
        value = *inline_value;
      } else if (i + 1 < argv.size()) {
        value = argv[++i];
      } else {
        r.errors.push_back("option " + shown + " needs a value (" + std::string(opt->value_name) +
                           ")");
        continue;
      }
      ArgsBuilder::add(r.args, opt->name, std::move(value));
    }
    if (!opt->repeatable && r.args.all(opt->name).size() > 1)
      r.errors.push_back("option " + shown + " given more than once");
  }
  size_t n = r.args.positional().size();
  if (!r.help) {
    if (n < spec.min_positional)
      r.errors.push_back("missing argument " + std::string(spec.positional));
    else if (n > spec.max_positional)
      r.errors.push_back("unexpected argument '" + r.args.positional()[spec.max_positional] + "'");
  }
  return r;
}

std::string usage(const CommandSpec& spec) {
  std::string out = "Usage: stepstream " + std::string(spec.name);
  if (!spec.positional.empty()) out += " " + std::string(spec.positional);
  if (!spec.options.empty()) out += " [options]";
  out += "\n  " + std::string(spec.summary) + "\n";
  if (spec.options.empty()) return out;
  out += "\nOptions:\n";
  for (const auto& o : spec.options) {
    std::string left = "  ";
    if (o.short_name != 0) left += std::string("-") + o.short_name + ", ";
    left += "--" + std::string(o.name);
    if (!o.value_name.empty()) left += " " + std::string(o.value_name);
    if (left.size() < 30)
      left.resize(30, ' ');
    else
      left += "  ";
    out += left + std::string(o.help) + (o.repeatable ? " (repeatable)" : "") + "\n";
  }
  return out;
}

}  // namespace stepstream::cli
