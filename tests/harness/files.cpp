#include "files.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace harness {

namespace {

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

// FNV-1a: not cryptographic, just a stable fingerprint to compare a tree before and after.
struct Fingerprint {
  unsigned long long value = 1469598103934665603ULL;
  void add(const std::string& bytes) {
    for (unsigned char c : bytes) {
      value ^= c;
      value *= 1099511628211ULL;
    }
    add_separator();
  }
  void add_separator() {
    value ^= 0xff;
    value *= 1099511628211ULL;
  }
};

void add_entry(Fingerprint& print, const std::string& root, const std::string& relative) {
  std::string path = root + relative;
  struct stat info {};
  if (lstat(path.c_str(), &info) == -1) throw_errno("lstat " + path);
  std::ostringstream header;
  header << relative << ' ' << std::oct << info.st_mode << std::dec << ' ' << info.st_uid << ':' << info.st_gid << ' '
         << major(info.st_rdev) << ',' << minor(info.st_rdev);
  if (!S_ISDIR(info.st_mode)) header << ' ' << info.st_size;
  print.add(header.str());
  if (S_ISLNK(info.st_mode)) {
    char target[4096];
    ssize_t n = readlink(path.c_str(), target, sizeof target);
    if (n == -1) throw_errno("readlink " + path);
    print.add(std::string(target, static_cast<size_t>(n)));
  } else if (S_ISREG(info.st_mode)) {
    auto content = read_file(path);
    if (!content) throw_errno("read " + path);
    print.add(*content);
  } else if (S_ISDIR(info.st_mode)) {
    for (const auto& name : list_directory(path)) add_entry(print, root, relative + "/" + name);
  }
}

// Removes a tree, never crossing into another file system (something left mounted inside).
void remove_tree(const std::string& path, dev_t device) {
  struct stat info {};
  if (lstat(path.c_str(), &info) == -1 || info.st_dev != device) return;
  if (S_ISDIR(info.st_mode)) {
    for (const auto& name : list_directory(path)) remove_tree(path + "/" + name, device);
    rmdir(path.c_str());
  } else {
    unlink(path.c_str());
  }
}

}  // namespace

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw_errno("open " + path);
  out << text;
  out.close();
  if (!out) throw_errno("write " + path);
}

bool path_exists(const std::string& path) {
  struct stat info {};
  return lstat(path.c_str(), &info) == 0;
}

std::vector<std::string> list_directory(const std::string& path) {
  std::vector<std::string> names;
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) return names;
  while (dirent* entry = readdir(dir)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

std::string trim(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  return text;
}

std::string tree_checksum(const std::string& root) {
  Fingerprint print;
  add_entry(print, root, "");
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", print.value);
  return hex;
}

TempDir::TempDir() {
  char name[] = "/tmp/matrix-XXXXXX";
  if (mkdtemp(name) == nullptr) throw_errno("mkdtemp /tmp/matrix-XXXXXX");
  path_ = name;
}

TempDir::~TempDir() {
  struct stat info {};
  if (lstat(path_.c_str(), &info) == 0) remove_tree(path_, info.st_dev);
}

}  // namespace harness
