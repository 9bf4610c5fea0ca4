// What servers send back: S3 XML listings and error documents, WebDAV
// listings, HTTP header lines, and registry packs.
#include "registry_pack.h"
#include "responses.h"
#include "ssl_digests.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  for (const char* tag : {"Key", "IsTruncated", "NextContinuationToken", "UploadId", "Code", "Message"})
    for (const std::string& v : pipeline::xml_all(body, tag))
      if (v.size() > body.size()) __builtin_trap();  // unescaping only shrinks
  for (const std::string& n : pipeline::dav_file_names(body))
    if (n.empty() || n.find('/') != std::string::npos) __builtin_trap();  // a name, never a path
  // Named by its own digest, so that parsing goes past the name check.
  pipeline::RegistryPack pack;
  std::string why;
  (void)pipeline::read_pack(pipeline::sha256_hex(body), body, &pack, &why);
  std::string name, value;
  for (size_t start = 0; start < body.size();) {
    size_t end = body.find('\n', start);
    if (end == std::string::npos) end = body.size();
    if (pipeline::parse_header_line(body.substr(start, end - start + 1), &name, &value) && name.empty())
      __builtin_trap();
    start = end + 1;
  }
  return 0;
}
