// What the backends read from servers' answers: the text of S3's XML
// bodies (listings, error documents) and HTTP header lines. Kept apart from
// libcurl so that fuzz targets (tests/fuzz/) can drive them directly.
#pragma once

#include <string>
#include <vector>

namespace pipeline {

// Replaces XML's five predefined entities.
std::string xml_unescape(std::string s);

// Every <tag>text</tag> in an XML body, in order, unescaped. An element
// left open at the end is ignored.
std::vector<std::string> xml_all(const std::string& body, const std::string& tag);
// The same, as raw XML: for an element that holds others (S3's <Upload>),
// read further with xml_all.
std::vector<std::string> xml_elements(const std::string& body, const std::string& tag);

// The names of the files a WebDAV PROPFIND (Depth: 1) answer lists: the
// last segment of each <href> (any namespace prefix), percent-decoded,
// leaving out folders (hrefs ending in '/').
std::vector<std::string> dav_file_names(const std::string& body);

// Splits "Name: value\r\n" into the lower-cased name and the trimmed value.
// False for a line without a name (the status line, the blank line).
bool parse_header_line(const std::string& line, std::string* name, std::string* value);

}  // namespace pipeline
