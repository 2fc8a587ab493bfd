// Files and directories for tests: reading, writing, temporary directories, tree checksums.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace harness {

std::optional<std::string> read_file(const std::string& path);
void write_file(const std::string& path, const std::string& text);  // throws on failure
bool path_exists(const std::string& path);                          // lstat: a dangling link exists
std::vector<std::string> list_directory(const std::string& path);   // names, sorted; empty if unreadable
std::vector<std::string> split_lines(const std::string& text);      // without the '\n'
std::string trim(std::string text);                                 // without trailing white space

// A checksum of a whole tree: every entry's relative path, type, mode, owner, size, device number,
// link target and content. Equal checksums mean nothing under `root` was added, removed or changed.
std::string tree_checksum(const std::string& root);

// A directory /tmp/matrix-XXXXXX, removed with everything in it when the object goes.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace harness
