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

std::vector<std::string> dav_file_names(const std::string& body) {
  std::vector<std::string> out;
  size_t at = 0;
  while ((at = body.find('<', at)) != std::string::npos) {
    const size_t close = body.find('>', at);
    if (close == std::string::npos) break;
    std::string tag = body.substr(at + 1, close - at - 1);
    at = close + 1;
    const size_t colon = tag.find(':');
    if ((colon == std::string::npos ? tag : tag.substr(colon + 1)) != "href") continue;
    const std::string closing = "</" + tag + ">";
    const size_t end = body.find(closing, at);
    if (end == std::string::npos) break;
    std::string href = xml_unescape(body.substr(at, end - at));
    at = end + closing.size();
    href.erase(0, href.find_first_not_of(" \t\r\n"));
    href.erase(href.find_last_not_of(" \t\r\n") + 1);
    if (href.empty() || href.back() == '/') continue;
    std::string name = href.substr(href.rfind('/') + 1), decoded;
    for (size_t i = 0; i < name.size(); ++i) {
      if (name[i] == '%' && i + 2 < name.size() && std::isxdigit(static_cast<unsigned char>(name[i + 1])) &&
          std::isxdigit(static_cast<unsigned char>(name[i + 2]))) {
        decoded += static_cast<char>(std::stoi(name.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else {
        decoded += name[i];
      }
    }
    if (!decoded.empty() && decoded.find('/') == std::string::npos) out.push_back(decoded);
  }
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
