// Case files beside a test: the names of the files in a folder that end in a suffix, sorted,
// for INSTANTIATE_TEST_SUITE_P. A missing folder gives no names.
#pragma once

#include <algorithm>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace stepstream::test {

inline std::vector<std::string> case_names(const std::filesystem::path& dir,
                                           std::string_view suffix) {
  std::vector<std::string> names;
  if (!std::filesystem::is_directory(dir)) return names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::string f = e.path().filename().string();
    if (f.size() > suffix.size() && f.ends_with(suffix))
      names.push_back(f.substr(0, f.size() - suffix.size()));
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace stepstream::test
