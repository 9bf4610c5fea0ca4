// Remotes: where a team's cache objects are shared. One small interface,
// one file per backend, chosen by the URL's scheme. Keys are the cache's own
// layout ("v1/ab/cdef...", "v1/ab/cdef....dir"), made from digests only, so
// nothing a remote says can name a path outside the cache.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "digest.h"
#include "file_system.h"

namespace pipeline {

class Config;
class DvcFileHash;

// What an operation came to; backends report, they do not throw.
struct RemoteResult {
  // kUnsupported: the server cannot do this at all (list a folder).
  enum class Status { kOk, kMissing, kTransient, kFailed, kUnsupported };
  RemoteResult() = default;
  RemoteResult(Status s, std::string why) : status(s), error(std::move(why)) {}
  Status status = Status::kOk;
  std::string error;  // for kTransient and kFailed; never holds credentials
  std::optional<Digest> received;  // a download's content, hashed as it streamed in
  std::string received_md5;        // DVC's hash of it too, when the download asked for one
  uint64_t received_size = 0;      // bytes a download wrote
  bool ok() const { return status == Status::kOk; }
};

// What a download hashes besides pipe's digest: DVC's md5 of the bytes (an
// object from a DVC remote is named by it), DVC 3's or DVC 2's kind.
enum class DownloadCheck { kNone, kMd5, kMd5Dos2Unix };

// A download's destination: a new file, hashed as it is written, so the
// caller can verify it without reading it back.
class DownloadFile {
 public:
  // Creates it anew (a file left by an earlier try is replaced), through
  // `fs`: the transfer engine syncs and renames it into the cache after.
  explicit DownloadFile(const std::string& path, FileSystem& fs = real_file_system(),
                        DownloadCheck check = DownloadCheck::kNone);
  ~DownloadFile();
  DownloadFile(const DownloadFile&) = delete;
  DownloadFile& operator=(const DownloadFile&) = delete;
  bool write(const void* data, size_t size);  // false (errno set) when the disk refuses
  // Closes the file; the result says why it failed, or carries the digest.
  RemoteResult finish();
  bool opened() const { return fd_ >= 0; }

 private:
  std::string path_;
  FileSystem& fs_;
  int fd_ = -1;
  int error_ = 0;
  Hasher hasher_;
  uint64_t written_ = 0;
  std::unique_ptr<DvcFileHash> md5_;  // with a check only
};

// One object to move: an upload of `file` as `key`, or a download of `key`
// into the new file `file`.
struct TransferItem {
  bool upload = false;
  std::string key;
  std::string file;
  DownloadCheck check = DownloadCheck::kNone;
};
using ItemDone = std::function<void(size_t index, const RemoteResult& result)>;

// What a server says about an object without sending it: for deps by URL.
struct ObjectInfo {
  std::string etag;
  std::string version_id;     // S3 versioned buckets
  std::string last_modified;  // as the server writes it
  uint64_t size = 0;
};

class Remote {
 public:
  virtual ~Remote() = default;
  // The URL with any credentials removed, for messages.
  virtual std::string describe() const = 0;
  // Fills `present` (parallel to `keys`).
  virtual RemoteResult exists_many(const std::vector<std::string>& keys, std::vector<bool>* present) = 0;
  // Downloads `key` into the new file `dest`, hashing it as `check` says.
  virtual RemoteResult get(const std::string& key, const std::string& dest, DownloadCheck check) = 0;
  RemoteResult get(const std::string& key, const std::string& dest) { return get(key, dest, DownloadCheck::kNone); }
  // Uploads the file `source` as `key`, streamed from disk.
  virtual RemoteResult put(const std::string& key, const std::string& source) = 0;
  virtual RemoteResult remove(const std::string& key) = 0;
  // A HEAD of `key`, which here may be any object's path (a dep by URL),
  // not only a cache key. kMissing when there is none. Default: kFailed,
  // for backends that cannot say.
  virtual RemoteResult stat(const std::string& key, ObjectInfo* info);
  // The objects directly in folder `prefix` ("lineage/packs/"), as whole
  // keys; none when the folder does not exist. Default: kFailed, for
  // servers that cannot list (an HTTP server without WebDAV's PROPFIND).
  virtual RemoteResult list(const std::string& prefix, std::vector<std::string>* keys);
  // Moves the items, up to `jobs` at once, and calls done() once per item
  // as it finishes, never two at a time. This one runs get and put on
  // threads; the libcurl backends drive every transfer from one thread
  // with libcurl's multi interface, reusing connections.
  virtual void transfer_many(const std::vector<TransferItem>& items, size_t jobs, const ItemDone& done);

  // A remote DVC filled: objects named by md5 (remote.NAME.layout = dvc).
  // pipe pulls data that carries DVC's md5 from there by that name.
  bool dvc_layout() const { return dvc_layout_; }
  void set_dvc_layout(bool on) { dvc_layout_ = on; }

 private:
  bool dvc_layout_ = false;
};

struct RemoteSettings {
  std::string name;
  std::string url;
  std::map<std::string, std::string> options;  // the remote's other keys (user, password, timeout, ...)
  // Local files (uploads read, downloads written, a directory remote's
  // objects) go through it: the project's, so tests can cut the power.
  FileSystem* files = &real_file_system();
};

// The remote `name` from the config, or the default one (`core.remote`, or
// the only remote) when `name` is empty. Throws Error(kUsage) saying how to
// add one when there is none.
RemoteSettings remote_settings(const Config& config, const std::string& name, const std::string& state_dir);

// The backends live in remotes/ (remotes/backends.h).

}  // namespace pipeline
