// Command-line parsing for the `stepstream` command: declarative option specs, errors as values.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace stepstream::cli {

struct OptionSpec {
  std::string_view name;        // long form without dashes: "input" for --input
  char short_name = 0;          // 'o' for -o, 0 when there is none
  std::string_view value_name;  // empty for a flag; "FILE" for --input-file FILE
  std::string_view help;
  bool repeatable = false;
};

struct CommandSpec {
  std::string_view name;
  std::string_view summary;
  std::string_view positional;  // shown in the usage line: "FILE..."
  size_t min_positional = 0;
  size_t max_positional = 0;
  std::span<const OptionSpec> options;
};

class Args {
 public:
  bool has(std::string_view name) const { return values_.count(std::string(name)) != 0; }
  // The last value given for `name`, if any.
  std::optional<std::string> get(std::string_view name) const;
  const std::vector<std::string>& all(std::string_view name) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  friend struct ArgsBuilder;
  std::map<std::string, std::vector<std::string>, std::less<>> values_;
  std::vector<std::string> positional_;
};

struct ParseResult {
  Args args;
  std::vector<std::string> errors;  // empty when the command line is well formed
  bool help = false;                // --help or -h was given
};

[[nodiscard]] ParseResult parse_args(const CommandSpec& spec, std::span<char* const> argv);

// "Usage: stepstream exec DEF [options]" followed by one line per option.
std::string usage(const CommandSpec& spec);

}  // namespace stepstream::cli
