#include "responses.h"

#include <cctype>
#include <cstring>

namespace pipeline {

std::string xml_unescape(std::string s) {
  const std::pair<const char*, const char*> entities[] = {
      {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}, {"&amp;", "&"}};
  for (const auto& [from, to] : entities)
    for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += std::strlen(to))
      s.replace(pos, std::strlen(from), to);
  return s;
}

std::vector<std::string> xml_elements(const std::string& body, const std::string& tag) {
  std::vector<std::string> out;
  const std::string open = "<" + tag + ">", close = "</" + tag + ">";
  for (size_t pos = 0; (pos = body.find(open, pos)) != std::string::npos;) {
    const size_t start = pos + open.size();
    const size_t end = body.find(close, start);
    if (end == std::string::npos) break;
    out.push_back(body.substr(start, end - start));
    pos = end + close.size();
  }
  return out;
}

std::vector<std::string> xml_all(const std::string& body, const std::string& tag) {
  std::vector<std::string> out = xml_elements(body, tag);
  for (std::string& s : out) s = xml_unescape(std::move(s));
  return out;
}

bool parse_header_line(const std::string& line, std::string* name, std::string* value) {
  const size_t colon = line.find(':');
  if (colon == std::string::npos || colon == 0) return false;
  *name = line.substr(0, colon);
  for (char& c : *name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  *value = line.substr(colon + 1);
  value->erase(0, value->find_first_not_of(" \t"));
  value->erase(value->find_last_not_of(" \t\r\n") + 1);
  return true;
}

}  // namespace pipeline
