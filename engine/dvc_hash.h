// DVC's content hashes, so that pipe can prove a DVC repository's data is
// what its dvc.lock and .dvc files say before adopting it, and check what
// it pulls from a DVC remote.
//
// - "md5" (DVC 3, entries with `hash: md5`): MD5 of the bytes.
// - "md5-dos2unix" (DVC 2, entries without `hash`): DVC 2 decided from a
//   file's first 512 bytes whether it is text; for a text file it hashed
//   each 1 MiB chunk with CRLF turned into LF (a CRLF split across two
//   chunks stays as it is).
// - A directory is named by the MD5 of its ".dir" manifest, JSON as
//   Python's json.dumps(sort_keys=True) writes it: [{"md5": ..., "relpath":
//   ...}, ...], sorted by relpath, non-ASCII escaped; the name gets ".dir".
// Sources: dvc-data's hashfile/hash.py, hashfile/istextfile.py and
// hashfile/tree.py; DVC 2.0's dvc/utils/__init__.py file_md5.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "digest.h"
#include "disk.h"
#include "ssl_digests.h"

namespace pipeline {

enum class DvcHashKind { kMd5, kMd5Dos2Unix };

// "md5" or "md5-dos2unix", as DVC names them.
const char* dvc_hash_name(DvcHashKind kind);

// DVC's text test of a block: no NUL, and at most 30% of bytes outside
// printable ASCII and \n \r \t \f \b. An empty block is text.
bool dvc_text_block(std::string_view block);

// A file's DVC hash, fed in pieces of any size.
class DvcFileHash {
 public:
  explicit DvcFileHash(DvcHashKind kind) : kind_(kind) {}
  void update(const void* data, size_t size);
  std::string finish_hex();  // 32 hex digits; spent after it

 private:
  void hash_chunk(bool last);
  DvcHashKind kind_;
  Md5 md5_;
  std::string chunk_;  // md5-dos2unix: the current 1 MiB chunk
  int text_ = -1;      // md5-dos2unix: unknown, 0 or 1
};

struct DvcHashed {
  std::string md5;  // the DVC hash, 32 hex digits
  Digest digest;    // pipe's XXH3-128 of the same bytes
  uint64_t size = 0;
};

// Reads the file at `path` (project-relative, or absolute outside it) once
// for both hashes. False (errno set) when it cannot be read.
bool dvc_hash_file(Disk& disk, const std::string& path, DvcHashKind kind, DvcHashed* out);

struct DvcDirEntry {
  std::string relpath;  // '/'-separated, relative to the directory
  std::string md5;
};

// The ".dir" manifest's bytes for these entries (sorted here).
std::string dvc_dir_json(std::vector<DvcDirEntry> entries);
// Parses a ".dir" manifest. False for anything but a list of
// {"md5", "relpath"} objects with 32-hex md5s and relative paths that stay
// inside the directory.
bool parse_dvc_dir(const std::string& text, std::vector<DvcDirEntry>* entries);

}  // namespace pipeline
