// How objects get into the cache and back into the workspace: by reflink,
// hard link, symbolic link or copy, in the order `cache.type` gives.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <random>

#include "config.h"
#include "error.h"
#include "file_io.h"
#include "object_store.h"
#include "suggest.h"
#include "temp_files.h"

namespace pipeline {
namespace {

const char* const kNames[] = {"reflink", "hardlink", "symlink", "copy"};

// Errors that mean "this filesystem (pair) cannot do that link": try the next type.
bool unsupported(int err) {
  return err == EOPNOTSUPP || err == ENOTTY || err == EXDEV || err == EINVAL || err == EPERM || err == EMLINK ||
         err == ENOSYS;
}

// Clones open file `in` (closed here) into a new file `to` with a reflink.
// Returns the new file's fd, or -1 with *err set and nothing left behind
// when the filesystem cannot clone. Failing to create `to` throws.
int clone_into(FileSystem& fs, int in, const std::string& to, mode_t mode, int* err) {
  const int out = fs.create(to, mode);
  if (out < 0) {
    const int e = errno;
    fs.close(in);
    fail_io("cannot create", to, e);
  }
  const int rc = fs.clone(out, in);
  *err = errno;
  fs.close(in);
  if (rc == 0) return out;
  fs.close(out);
  fs.unlink(to);
  return -1;
}

int open_object(FileSystem& fs, const std::string& path, const std::string& target, const Digest& d) {
  const int in = fs.open_read(path);
  if (in >= 0) return in;
  if (errno == ENOENT)
    throw Error(Exit::kFailed, "'" + target + "' is not in the cache (object " + d.hex() +
                                   " missing); rerun the stage that produces it with 'pipe repro'");
  fail_io("cannot read", path, errno);
}

// Renames `tmp` over `target`; removes `tmp` and throws on failure.
void move_over(FileSystem& fs, const std::string& tmp, const std::string& target) {
  if (fs.rename(tmp, target) == 0) return;
  const int err = errno;
  fs.unlink(tmp);
  fail_io("cannot move into place", target, err);
}

// The workspace file already is the object (linked). After a commit that is
// right; when restoring, the file was found wrong, so unless the object
// still hashes to its name an in-place edit reached it through the link.
void check_linked(FileSystem& fs, const Digest& d, const std::string& object, bool current) {
  if (current) return;
  Digest got;
  if (hash_path(fs, object, &got) && got == d) return;
  throw Error(Exit::kFailed, "cache object " + d.hex() +
                                 " is corrupt: a linked output was edited in place. Run 'pipe cache verify "
                                 "--repair', then 'pipe repro' to produce it again");
}

}  // namespace

bool parse_link_types(const std::string& text, std::vector<LinkType>* out, std::string* why) {
  out->clear();
  for (const std::string& name : split_list(text)) {
    int found = -1;
    for (int i = 0; i < 4; ++i)
      if (name == kNames[i]) found = i;
    if (found < 0) {
      *why = "unknown link type '" + name + "'" + did_you_mean(name, {kNames, kNames + 4}) +
             "; use reflink, hardlink, symlink or copy, comma-separated in the order to try";
      return false;
    }
    const LinkType t = static_cast<LinkType>(found);
    for (LinkType seen : *out)
      if (seen == t) {
        *why = "link type '" + name + "' is listed twice";
        return false;
      }
    out->push_back(t);
  }
  if (out->empty()) *why = "no link types given; use reflink, hardlink, symlink or copy, comma-separated";
  return !out->empty();
}

const char* link_type_name(LinkType type) { return kNames[static_cast<int>(type)]; }

bool ObjectStore::stage_object(const PutItem& item, const std::string& tmp) const {
  // The temp file's directory exists (put_files made it).
  auto changed = [&] {
    fs_.unlink(tmp);
    throw Error(Exit::kIo, "'" + item.source + "' changed while it was being cached; run again once nothing writes it");
  };
  for (LinkType type : order_) {
    if (type == LinkType::kReflink && !no_reflink_) {
      const int in = fs_.open_read(item.source);
      if (in < 0) fail_io("cannot read", item.source, errno);
      int err = 0;
      const int out = clone_into(fs_, in, tmp, 0444, &err);
      if (out >= 0) {
        fs_.close(out);
        // The clone shares blocks, so it cannot differ from the source as
        // read now; hashing it checks the source still is what was hashed.
        Digest got;
        if (!hash_path(fs_, tmp, &got) || got != item.digest) changed();
        return false;
      }
      if (!unsupported(err)) fail_io("cannot reflink", item.source, err);
      no_reflink_ = true;
    } else if (type == LinkType::kHardlink && !no_hardlink_ && !item.executable) {
      if (fs_.link(item.source, tmp) == 0) {
        // One inode now: read-only for the workspace as for the cache.
        fs_.chmod(tmp, 0444);
        struct stat st;
        if (fs_.stat(tmp, &st) != 0) fail_io("cannot stat", tmp, errno);
        const int64_t mtime = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
        // Unchanged size and mtime is what the hash cache trusts too;
        // without them (or with a difference) the bytes decide.
        if (item.mtime_ns == 0 || mtime != item.mtime_ns || static_cast<uint64_t>(st.st_size) != item.size) {
          Digest got;
          if (!hash_path(fs_, tmp, &got) || got != item.digest) changed();
        }
        return true;
      }
      if (!unsupported(errno)) fail_io("cannot hard-link", item.source, errno);
      if (errno == EXDEV) no_hardlink_ = true;
    } else if (type == LinkType::kCopy || type == LinkType::kSymlink) {
      // A symlinked workspace file points at a copy in the cache.
      break;
    }
  }
  const int in = fs_.open_read(item.source);
  if (in < 0) fail_io("cannot read", item.source, errno);
  Digest got;
  int out;
  try {
    // Objects are read-only: a linked workspace file must not be editable in place.
    out = copy_into_new_file(fs_, in, tmp, 0444, &got);
  } catch (...) {
    fs_.close(in);
    throw;
  }
  fs_.close(in);
  fs_.close(out);
  if (got != item.digest) changed();
  return false;
}

LinkType ObjectStore::restore_file(const Digest& d, const std::string& target, bool executable) const {
  return place(d, target, executable, Purpose::kRestore);
}

LinkType ObjectStore::relink_file(const Digest& d, const std::string& target, bool executable) const {
  return place(d, target, executable, Purpose::kRelink);
}

LinkType ObjectStore::restore_staged(const Digest& d, const std::string& target, bool executable) const {
  return place(d, target, executable, Purpose::kStaged);
}

LinkType ObjectStore::place(const Digest& d, const std::string& target, bool executable, Purpose purpose) const {
  const std::string object = object_path(d);
  const mode_t mode = executable ? 0755 : 0644;
  const bool staged = purpose == Purpose::kStaged;
  // In a staging directory nothing is at `target` and nobody looks: write
  // it directly; the caller syncs the whole directory once.
  auto temp_for = [&] { return staged ? target : temp_path_for(fs_, workspace_temp_, target); };
  auto finish = [&](int fd, const std::string& tmp) {
    if (!staged) return commit_temp_file(fs_, fd, tmp, target);
    if (fs_.close(fd) != 0) fail_io("cannot write", target, errno);
  };
  for (LinkType type : order_) {
    if (type == LinkType::kReflink && !no_reflink_) {
      const int in = open_object(fs_, object, target, d);
      const std::string tmp = temp_for();
      int err = 0;
      const int out = clone_into(fs_, in, tmp, mode, &err);
      if (out >= 0) {
        fs_.fchmod(out, mode);  // the umask may have narrowed it
        finish(out, tmp);
        return type;
      }
      if (!unsupported(err)) fail_io("cannot reflink", object, err);
      no_reflink_ = true;
    } else if (type == LinkType::kHardlink && !no_hardlink_ && !executable) {
      if (!staged) {
        struct stat obj, now;
        if (fs_.stat(object, &obj) != 0) open_object(fs_, object, target, d);  // throws the right error
        // Renaming a link over another link to the same inode does nothing
        // and would leave the temp name behind.
        if (fs_.lstat(target, &now) == 0 && now.st_ino == obj.st_ino && now.st_dev == obj.st_dev)
          return check_linked(fs_, d, object, purpose == Purpose::kRelink), type;
      }
      const std::string tmp = temp_for();
      if (fs_.link(object, tmp) == 0) {
        if (!staged) move_over(fs_, tmp, target);
        return type;
      }
      if (errno == ENOENT && staged) open_object(fs_, object, target, d);
      if (!unsupported(errno)) fail_io("cannot hard-link", target, errno);
      if (errno == EXDEV) no_hardlink_ = true;
    } else if (type == LinkType::kSymlink && !executable) {
      struct stat obj;
      if (fs_.stat(object, &obj) != 0) open_object(fs_, object, target, d);
      std::string now;
      if (!staged && fs_.read_link(target, &now) == 0 && now == object)
        return check_linked(fs_, d, object, purpose == Purpose::kRelink), type;
      const std::string tmp = temp_for();
      if (fs_.symlink(object, tmp) == 0) {
        if (!staged) move_over(fs_, tmp, target);
        return type;
      }
      if (!unsupported(errno)) fail_io("cannot symlink", target, errno);
    } else if (type == LinkType::kCopy) {
      break;
    }
  }
  if (purpose == Purpose::kRelink) {
    // Still the user's own file from before the commit; a link that was
    // there (an older checkout) must not stay read-only or shared.
    struct stat st;
    if (fs_.lstat(target, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1) return LinkType::kCopy;
  }
  const int in = open_object(fs_, object, target, d);
  const std::string tmp = temp_for();
  Digest got = d;
  int out = -1;
  try {
    // A download hashed as it arrived is not hashed again; any other object
    // is, so a damaged cache is never copied out.
    out = copy_into_new_file(fs_, in, tmp, mode, verified(d) ? nullptr : &got);
  } catch (...) {
    fs_.close(in);
    throw;
  }
  fs_.close(in);
  if (got != d) {
    fs_.close(out);
    fs_.unlink(tmp);
    throw Error(Exit::kFailed, "cache object " + d.hex() + " is corrupt; run 'pipe cache verify --repair'");
  }
  fs_.fchmod(out, mode);
  finish(out, tmp);
  return LinkType::kCopy;
}

}  // namespace pipeline
