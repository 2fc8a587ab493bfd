#include "image/layer_store.hpp"

#include "base/error.hpp"
#include "base/fault.hpp"
#include "base/files.hpp"
#include "base/log.hpp"
#include "base/rollback.hpp"
#include "base/text.hpp"
#include "image/unpack.hpp"

#include <nlohmann/json.hpp>
#include <fcntl.h>
#include <ftw.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <map>
#include <optional>

namespace minirun {

namespace {

std::string absolute(const std::string& path) {
  if (path.starts_with("/")) return path;
  char cwd[PATH_MAX];
  if (!::getcwd(cwd, sizeof cwd)) throw Error("getcwd", path, errno);
  return std::string(cwd) + "/" + path;
}

bool exists(const std::string& path) {
  if (::access(path.c_str(), F_OK) == 0) return true;
  if (errno != ENOENT) throw Error("access", path, errno);  // a store that is a file, say
  return false;
}

// The path as create records a lower directory: symlinks resolved.
std::string canonical(const std::string& path) {
  char real[PATH_MAX];
  if (!::realpath(path.c_str(), real)) throw Error("realpath", path, errno);
  return real;
}

uint64_t size_sum = 0;  // nftw calls a plain function: the sum it adds to
int add_size(const char*, const struct stat* st, int type, FTW*) {
  if (type == FTW_F || type == FTW_SL) size_sum += st->st_size;
  return 0;
}

uint64_t tree_size(const std::string& path) {
  size_sum = 0;
  ::nftw(path.c_str(), add_size, 16, FTW_PHYS);
  return size_sum;
}

// Unpacks into a hidden directory and renames it into place only when the whole layer is there and
// on disk: a crash half way leaves a ".tmp" that the next unpack of the layer, or a prune, removes.
void unpack_one(const std::string& layout, const Descriptor& layer, const std::string& dir) {
  std::string hex = digest_hex(layer.digest);
  std::string partial = dir + "/." + hex + ".tmp";
  remove_tree(partial);  // a crash's, never trusted: we hold the lock
  check(::mkdir(partial.c_str(), 0755), "mkdir", partial);
  Rollback undo;
  undo.add([partial] { remove_tree(partial); });
  std::string fs = partial + "/fs";
  check(::mkdir(fs.c_str(), 0755), "mkdir", fs);
  Fd target(::open(fs.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!target.valid()) throw Error("open", fs, errno);
  Fd blob = open_blob(layout, layer);
  log_debug("unpacking layer " + layer.digest);
  auto root = unpack_layer(blob.get(), layer.media_type, target.get(), "layer " + layer.digest.substr(0, 19));
  nlohmann::json facts = {{"size", tree_size(fs)}};
  if (root) facts["root"] = {{"mode", root->mode}, {"uid", root->uid}, {"gid", root->gid}};
  write_new_file(partial + "/layer.json", facts.dump() + "\n");
  fault_point("image:layer-unpacked");
  check(::syncfs(target.get()), "syncfs", partial);
  check(::rename(partial.c_str(), (dir + "/" + hex).c_str()), "rename", partial);
  undo.commit();
}

nlohmann::json facts_of(const std::string& layer) { return nlohmann::json::parse(read_file(layer + "/layer.json")); }

// The layers the containers under `root` stack, by the name of their directory in `dir`: who uses each.
std::map<std::string, std::vector<std::string>> layers_in_use(const StateRoot& root, const std::string& dir) {
  std::map<std::string, std::vector<std::string>> users;
  for (const auto& id : root.ids()) {
    Record record;
    try {
      record = root.load(id);
    } catch (const Error&) {
      continue;  // deleted in the meantime
    }
    for (const auto& layer : record.layers) {  // DIR/<hex>/fs
      if (!layer.starts_with(dir + "/")) continue;
      users[layer.substr(dir.size() + 1, layer.find('/', dir.size() + 1) - dir.size() - 1)].push_back(id);
    }
  }
  return users;
}

}  // namespace

std::string layers_table(const std::vector<StoredLayer>& layers) {
  std::vector<std::vector<std::string>> rows = {{"LAYER", "BYTES", "USED BY"}};
  for (const auto& layer : layers) {
    std::string users;
    for (const auto& id : layer.used_by) users += (users.empty() ? "" : ",") + id;
    rows.push_back({layer.digest.substr(0, 19), std::to_string(layer.size), users.empty() ? "-" : users});
  }
  return aligned_columns(rows);
}

LayerStore::LayerStore(const std::string& dir) : dir_(absolute(dir) + "/layers/sha256") {}

// Made on first use, readable by root only; its path made canonical, as the layers' paths that
// create records are.
Fd LayerStore::lock(int operation) const {
  make_directories(dir_, 0700);
  std::string path = dir_.substr(0, dir_.rfind('/')) + "/lock";
  Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd.valid()) throw Error("open", path, errno);
  while (::flock(fd.get(), operation) == -1) {
    if (errno != EINTR) throw Error("flock", path, errno);
  }
  return fd;
}

std::vector<std::string> LayerStore::stored() const {
  std::vector<std::string> names;
  for (const auto& name : names_in(dir_)) {
    if (!name.starts_with(".")) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

UnpackedImage LayerStore::unpack(const Image& image, Fd& hold) const {
  Fd lock = this->lock(LOCK_EX);
  std::string dir = canonical(dir_);
  UnpackedImage unpacked;
  std::optional<RootAttributes> named_root;
  Rollback undo;  // a refused layer takes the ones this call unpacked with it: a bad image leaves nothing
  for (const auto& layer : image.layers) {
    std::string path = dir + "/" + digest_hex(layer.digest);
    if (!exists(path)) {
      unpack_one(image.layout, layer, dir);
      undo.add([path] { remove_tree(path); });
      unpacked.unpacked.push_back(layer.digest);
    }
    unpacked.lowers.insert(unpacked.lowers.begin(), path + "/fs");
    if (auto root = facts_of(path).value("root", nlohmann::json()); !root.is_null()) {
      named_root = RootAttributes{root.at("mode").get<mode_t>(), root.at("uid").get<uid_t>(), root.at("gid").get<gid_t>()};
    }
  }
  undo.commit();
  if (named_root) unpacked.root = *named_root;
  check(::flock(lock.get(), LOCK_SH), "flock", dir);
  hold = std::move(lock);
  return unpacked;
}

std::vector<StoredLayer> LayerStore::list(const StateRoot& root) const {
  if (!exists(dir_)) return {};
  Fd lock = this->lock(LOCK_SH);
  auto users = layers_in_use(root, canonical(dir_));
  std::vector<StoredLayer> layers;
  for (const auto& hex : stored()) {
    layers.push_back({"sha256:" + hex, facts_of(dir_ + "/" + hex).at("size").get<uint64_t>(), users[hex]});
  }
  return layers;
}

// Under the exclusive lock: no run is between unpacking a layer and recording the container that uses it.
std::vector<std::string> LayerStore::remove_unused(const StateRoot& root, const std::vector<std::string>& hexes) const {
  Fd lock = this->lock(LOCK_EX);
  auto used = layers_in_use(root, canonical(dir_));
  std::vector<std::string> removed;
  for (const auto& hex : hexes) {
    if (used.contains(hex) || !exists(dir_ + "/" + hex)) continue;
    remove_tree(dir_ + "/" + hex);
    removed.push_back("sha256:" + hex);
  }
  return removed;
}

std::vector<std::string> LayerStore::prune(const StateRoot& root) const {
  if (!exists(dir_)) return {};
  for (const auto& name : names_in(dir_)) {
    if (name.starts_with(".")) remove_tree(dir_ + "/" + name);  // half unpacked by a run that was killed
  }
  return remove_unused(root, stored());
}

void LayerStore::forget(const StateRoot& root, const std::vector<std::string>& digests) const {
  std::vector<std::string> hexes;
  for (const auto& digest : digests) hexes.push_back(digest_hex(digest));
  if (!hexes.empty()) remove_unused(root, hexes);
}

}  // namespace minirun
