// "did you mean ...?" for misspelt keys and names.
#pragma once

#include <string>
#include <vector>

namespace pipeline {

// The candidate closest to `word` by edit distance, or "" if none is close
// enough to be a plausible typo.
std::string nearest(const std::string& word, const std::vector<std::string>& candidates);

// " (did you mean 'x'?)" or "".
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace pipeline
