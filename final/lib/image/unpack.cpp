#include "image/unpack.hpp"

#include "base/error.hpp"
#include "base/fd.hpp"
#include "base/files.hpp"
#include "base/text.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <memory>
#include <vector>

namespace minirun {

namespace {

const char* const kWhiteout = ".wh.";
const char* const kOpaque = ".wh..wh..opq";

using Archive = std::unique_ptr<archive, decltype(&archive_read_free)>;

// The names of a path inside the layer; "./a//b/" -> {"a", "b"}. Throws on what would leave the layer.
std::vector<std::string> names_of(const std::string& path) {
  if (path.starts_with("/")) throw Error("\"" + path + "\": refused: an absolute path");
  std::vector<std::string> names;
  for (auto name : split(path, '/')) {
    if (name == "..") throw Error("\"" + path + "\": refused: \"..\" leaves the layer");
    if (!name.empty() && name != ".") names.emplace_back(name);
  }
  return names;
}

// The directory holding the last of `names`, walked one real directory at a time: a symlink on
// the way (ELOOP) or a file (ENOTDIR) is refused, never followed. Missing ones are made when `make`.
Fd open_parent(int dir, const std::vector<std::string>& names, bool make, const std::string& path) {
  Fd current(::fcntl(dir, F_DUPFD_CLOEXEC, 0));
  for (size_t i = 0; i + 1 < names.size(); ++i) {
    if (make && ::mkdirat(current.get(), names[i].c_str(), 0755) == -1 && errno != EEXIST) {
      throw Error("mkdir", path, errno);
    }
    Fd next(::openat(current.get(), names[i].c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!next.valid() && (errno == ELOOP || errno == ENOTDIR)) {
      throw Error("\"" + path + "\": refused: \"" + names[i] + "\" is not a directory of the layer");
    }
    if (!next.valid()) throw Error("open", path, errno);
    current = std::move(next);
  }
  return current;
}

// A later entry of the same name replaces an earlier one; a directory stays when `keep_directory`.
void clear_name(int parent, const std::string& name, bool keep_directory) {
  struct stat st {};
  if (::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == -1) return;
  if (!S_ISDIR(st.st_mode)) {
    check(::unlinkat(parent, name.c_str(), 0), "unlink", name);
  } else if (!keep_directory) {
    remove_tree("/proc/self/fd/" + std::to_string(parent) + "/" + name);
  }
}

// xattrs as the tar has them, except overlayfs's own: a layer may not forge an opaque directory or
// a redirect, which only the whiteouts it declares may make.
void set_xattrs(archive_entry* entry, int fd, const std::string& path) {
  const char* name;
  const void* value;
  size_t size;
  archive_entry_xattr_reset(entry);
  while (archive_entry_xattr_next(entry, &name, &value, &size) == ARCHIVE_OK) {
    if (std::string_view(name).starts_with("trusted.overlay.")) continue;
    check(::fsetxattr(fd, name, value, size, 0), std::string("setxattr ") + name, path);
  }
}

struct Owner {
  uid_t uid;
  gid_t gid;
};

Owner owner_of(archive_entry* entry, const std::string& path) {
  la_int64_t uid = archive_entry_uid(entry), gid = archive_entry_gid(entry);
  if (uid < 0 || gid < 0 || uid >= UINT32_MAX || gid >= UINT32_MAX) throw Error("\"" + path + "\": owner out of range");
  return {static_cast<uid_t>(uid), static_cast<gid_t>(gid)};
}

// Owner, then mode (a chown clears set-user-ID bits), then xattrs and the modification time.
void set_attributes(archive_entry* entry, int fd, const std::string& path) {
  Owner owner = owner_of(entry, path);
  check(::fchown(fd, owner.uid, owner.gid), "chown", path);
  check(::fchmod(fd, archive_entry_perm(entry)), "chmod", path);
  set_xattrs(entry, fd, path);
  timespec times[2] = {{0, UTIME_OMIT}, {archive_entry_mtime(entry), archive_entry_mtime_nsec(entry)}};
  check(::futimens(fd, times), "utimens", path);
}

void write_data(archive* reader, int fd, const std::string& path) {
  const void* block;
  size_t size;
  la_int64_t offset;
  int result;
  while ((result = archive_read_data_block(reader, &block, &size, &offset)) == ARCHIVE_OK) {
    for (size_t done = 0; done < size;) {
      ssize_t wrote = ::pwrite(fd, static_cast<const char*>(block) + done, size - done, offset + done);
      if (wrote == -1 && errno == EINTR) continue;
      check(wrote, "write", path);
      done += wrote;
    }
  }
  if (result != ARCHIVE_EOF) throw Error("read " + path + ": " + archive_error_string(reader));
}

void make_file(archive* reader, archive_entry* entry, int parent, const std::string& name, const std::string& path) {
  Fd file(::openat(parent, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!file.valid()) throw Error("create", path, errno);
  write_data(reader, file.get(), path);
  check(::ftruncate(file.get(), archive_entry_size(entry)), "truncate", path);  // a sparse file's last hole
  set_attributes(entry, file.get(), path);
}

void make_directory(archive_entry* entry, int parent, const std::string& name, const std::string& path) {
  if (::mkdirat(parent, name.c_str(), 0700) == -1 && errno != EEXIST) throw Error("mkdir", path, errno);
  Fd dir(::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir.valid()) throw Error("open", path, errno);
  set_attributes(entry, dir.get(), path);
}

// Symlinks, devices and fifos: made, then owned and dated by name (a symlink is never followed).
void make_node(archive_entry* entry, int parent, const std::string& name, const std::string& path) {
  mode_t type = archive_entry_filetype(entry);
  if (type == AE_IFLNK) {
    check(::symlinkat(archive_entry_symlink(entry), parent, name.c_str()), "symlink", path);
  } else {
    check(::mknodat(parent, name.c_str(), type | archive_entry_perm(entry), archive_entry_rdev(entry)), "mknod", path);
  }
  Owner owner = owner_of(entry, path);
  check(::fchownat(parent, name.c_str(), owner.uid, owner.gid, AT_SYMLINK_NOFOLLOW), "chown", path);
  if (type != AE_IFLNK) check(::fchmodat(parent, name.c_str(), archive_entry_perm(entry), 0), "chmod", path);
  timespec times[2] = {{0, UTIME_OMIT}, {archive_entry_mtime(entry), archive_entry_mtime_nsec(entry)}};
  check(::utimensat(parent, name.c_str(), times, AT_SYMLINK_NOFOLLOW), "utimens", path);
}

// A hard link's target is a path of the same layer, already unpacked, reached the same careful way.
void make_hard_link(archive_entry* entry, int dir, int parent, const std::string& name, const std::string& path) {
  std::string target = archive_entry_hardlink(entry);
  auto target_names = names_of(target);
  if (target_names.empty()) throw Error("\"" + path + "\": refused: a hard link to the layer's root");
  Fd target_parent = open_parent(dir, target_names, false, target);
  if (::linkat(target_parent.get(), target_names.back().c_str(), parent, name.c_str(), 0) == -1) {
    throw Error("link " + target + " to", path, errno);
  }
}

// ".wh.NAME" hides NAME of the layers below: overlayfs's whiteout is a 0/0 character device of that
// name. ".wh..wh..opq" hides everything below in its directory: the opaque xattr on the directory.
void make_whiteout(int parent, const std::string& name, const std::string& path) {
  if (name == kOpaque) {
    check(::fsetxattr(parent, "trusted.overlay.opaque", "y", 1, 0), "setxattr trusted.overlay.opaque", path);
    return;
  }
  if (name.starts_with(std::string(kWhiteout) + kWhiteout)) return;  // aufs's own bookkeeping, no file
  std::string hidden = name.substr(std::string(kWhiteout).size());
  if (hidden.empty() || hidden == "." || hidden == "..") throw Error("\"" + path + "\": refused: a whiteout of no name");
  clear_name(parent, hidden, false);
  check(::mknodat(parent, hidden.c_str(), S_IFCHR | 0, makedev(0, 0)), "mknod (whiteout)", path);
}

void unpack_entry(archive* reader, archive_entry* entry, int dir, std::optional<RootAttributes>& root) {
  std::string path = archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "";
  auto names = names_of(path);
  if (names.empty()) {  // "./": the root itself
    Owner owner = owner_of(entry, path);
    root = RootAttributes{archive_entry_perm(entry), owner.uid, owner.gid};
    return;
  }
  Fd parent = open_parent(dir, names, true, path);
  const std::string& name = names.back();
  if (name.starts_with(kWhiteout)) return make_whiteout(parent.get(), name, path);
  mode_t type = archive_entry_filetype(entry);
  clear_name(parent.get(), name, type == AE_IFDIR);
  if (archive_entry_hardlink(entry)) return make_hard_link(entry, dir, parent.get(), name, path);
  switch (type) {
    case AE_IFREG: return make_file(reader, entry, parent.get(), name, path);
    case AE_IFDIR: return make_directory(entry, parent.get(), name, path);
    case AE_IFLNK:
    case AE_IFCHR:
    case AE_IFBLK:
    case AE_IFIFO: return make_node(entry, parent.get(), name, path);
    default: throw Error("\"" + path + "\": refused: not a file, directory, link, device or fifo");
  }
}

}  // namespace

bool is_layer_media_type(const std::string& media_type) {
  for (const char* known : {"application/vnd.oci.image.layer.v1.tar", "application/vnd.oci.image.layer.v1.tar+gzip",
                            "application/vnd.oci.image.layer.v1.tar+zstd",
                            "application/vnd.docker.image.rootfs.diff.tar.gzip"}) {
    if (media_type == known) return true;
  }
  return false;
}

std::optional<RootAttributes> unpack_layer(int blob, const std::string& media_type, int dir, const std::string& what) {
  Archive reader(archive_read_new(), archive_read_free);
  archive_read_support_format_tar(reader.get());
  if (media_type.ends_with("gzip")) archive_read_support_filter_gzip(reader.get());
  if (media_type.ends_with("zstd")) archive_read_support_filter_zstd(reader.get());
  auto unreadable = [&] { return Error(what + ": not a " + media_type + ": " + archive_error_string(reader.get())); };
  if (archive_read_open_fd(reader.get(), blob, 1 << 16) != ARCHIVE_OK) throw unreadable();
  archive_entry* entry;
  std::optional<RootAttributes> root;
  int result;
  // ARCHIVE_WARN: an entry libarchive could read in full, with a remark (a header's charset, say).
  while ((result = archive_read_next_header(reader.get(), &entry)) == ARCHIVE_OK || result == ARCHIVE_WARN) {
    try {
      unpack_entry(reader.get(), entry, dir, root);
    } catch (const Error& e) {
      throw Error(what + ": " + e.what());
    }
  }
  if (result != ARCHIVE_EOF) throw unreadable();
  return root;
}

}  // namespace minirun
